"""The README's facts that are not examples: its Speed table is the last report's, and every command
BENCHMARKS.md names is one kg takes (its picture is checked beside the docs' examples, in tests/test_docs.py)."""
from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import typer.main

from kg.cli.main import app as kg_app

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BENCHMARKS = ROOT / "BENCHMARKS.md"


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
    helped = set()
    for words in commands:
        command, rest = root, list(words)
        while rest and rest[0] in getattr(command, "commands", {}):
            command = command.commands[rest.pop(0)]  # type: ignore[attr-defined]
        assert not hasattr(command, "commands"), f"`kg {shlex.join(words)}`: no such command"
        options = {name for param in command.params for name in getattr(param, "opts", [])}
        unknown = [word for word in rest if word.startswith("-") and word.split("=")[0] not in options]
        assert not unknown, f"`kg {shlex.join(words)}`: no option {unknown[0]}"
        subcommand = words[:len(words) - len(rest)]
        if tuple(subcommand) in helped:
            continue
        helped.add(tuple(subcommand))
        done = subprocess.run([sys.executable, "-m", "kg", *subcommand, "--help"], capture_output=True, text=True,
                              cwd=ROOT, timeout=120)
        assert done.returncode == 0 and "Usage" in done.stdout, (subcommand, done.stderr[-500:])
