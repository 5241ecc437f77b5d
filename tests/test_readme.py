"""The README's facts that are not examples: its picture is what kg draws of the sample, its Speed table is the
last report's, and every command BENCHMARKS.md names is one kg takes."""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import neo4j
import pytest
import typer.main
from fastapi.testclient import TestClient

from kg.cli.main import app as kg_app
from tests.test_docs import WRITE_ENV, docs_client, docs_graph, docs_home  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BENCHMARKS = ROOT / "BENCHMARKS.md"
PICTURE = re.compile(r"\[!\[[^\]]+\]\((docs/img/[\w-]+\.svg)\)\]\(http://127\.0\.0\.1:8000(/path\?[^)\s]+)\)")


@pytest.mark.neo4j
def test_the_readme_picture_is_what_kg_draws_of_the_sample(docs_graph: neo4j.Driver,  # noqa: F811
                                                             docs_client: TestClient) -> None:  # noqa: F811
    [(file, path)] = PICTURE.findall(README.read_text(encoding="utf-8"))
    answer = docs_client.get(path, headers={"accept": "image/svg+xml"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/svg+xml"
    assert "style-src 'sha256-" in answer.headers["content-security-policy"]
    if os.environ.get(WRITE_ENV):
        (ROOT / file).write_text(answer.text, encoding="utf-8")
    assert (ROOT / file).read_text(encoding="utf-8") == answer.text, (
        f"{file} is not what {path} draws now: `{WRITE_ENV}=1 python -m pytest {__file__} -k picture` writes it")
    for accept in (None, "*/*", "text/html,image/svg+xml"):  # the page stays the default
        page = docs_client.get(path, headers={"accept": accept} if accept else {})
        assert page.headers["content-type"].startswith("text/html") and "<svg" in page.text, accept


# ---------------------------------------------------------------- the Speed table and the last report

def table_rows(text: str, header: str) -> list[list[str]]:
    """The cells of each row of the Markdown table whose header row starts with `header`."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split(" | ")])
    return rows


def report_figures() -> dict[str, list[str]]:
    """BENCHMARKS.md's figures by name: value, baseline, baseline value, ratio, note."""
    return {row[0]: row[1:] for row in table_rows(BENCHMARKS.read_text(encoding="utf-8"), "| figure | value |")}


def test_the_readme_speed_table_is_the_last_reports() -> None:
    readme, report = README.read_text(encoding="utf-8"), BENCHMARKS.read_text(encoding="utf-8")
    made = re.search(r"^Made by `([^`]+)` at commit (\S+) on (\S+)", report, re.M)
    assert made, "BENCHMARKS.md does not say which command and commit made it"
    speed = readme[readme.index("## Speed"):]
    speed = speed[:speed.index("\n## ", 1)]
    assert f"`{made[1]}`" in speed and made[2] in speed and made[3] in speed, \
        "the README's Speed section names another run than BENCHMARKS.md"
    figures = report_figures()
    rows = table_rows(speed, "| figure |")
    assert 0 < len(rows) <= 10
    for name, value, beside, ratio in rows:
        assert name in figures, f"the README's Speed table shows {name!r}, which BENCHMARKS.md does not have"
        reported, _, baseline_value, reported_ratio, _ = figures[name]
        assert value == reported, (name, value, reported)
        assert beside.endswith(f": {baseline_value}"), (name, beside, baseline_value)
        assert reported_ratio.startswith(ratio + " "), (name, ratio, reported_ratio)


# ---------------------------------------------------------------- every command BENCHMARKS.md names

def named_commands(text: str) -> list[list[str]]:
    """Each distinct `kg ...` command in backticks, as its words (a placeholder such as <seed> as 1)."""
    found = {re.sub(r"<\w+>", "1", m) for m in re.findall(r"`(kg [^`]+)`", text)}
    return [shlex.split(command)[1:] for command in sorted(found)]


def test_every_command_benchmarks_md_names_is_one_kg_takes() -> None:
    commands = named_commands(BENCHMARKS.read_text(encoding="utf-8"))
    assert any(words[0] == "bench" for words in commands)
    root = typer.main.get_command(kg_app)
    for words in commands:
        command, rest = root, list(words)
        while rest and rest[0] in getattr(command, "commands", {}):
            command = command.commands[rest.pop(0)]  # type: ignore[attr-defined]
        assert not hasattr(command, "commands"), f"`kg {shlex.join(words)}`: no such command"
        options = {name for param in command.params for name in getattr(param, "opts", [])}
        unknown = [word for word in rest if word.startswith("-") and word.split("=")[0] not in options]
        assert not unknown, f"`kg {shlex.join(words)}`: no option {unknown[0]}"
        subcommand = words[:len(words) - len(rest)]
        done = subprocess.run([sys.executable, "-m", "kg", *subcommand, "--help"], capture_output=True, text=True,
                              cwd=ROOT, timeout=120)
        assert done.returncode == 0 and "Usage" in done.stdout, (subcommand, done.stderr[-500:])
