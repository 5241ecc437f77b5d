"""Repository URLs in every messy form the pages use resolve to one canonical id each."""
from __future__ import annotations

import pytest

from kg.ingest.links import extract_links


@pytest.mark.parametrize("text", [
    "Code: https://github.com/Infini-AI-Lab/TriForce.",
    "code at https://github.com/infini-ai-lab/triforce",
    "see http://github.com/Infini-AI-Lab/TriForce.git).",
    "(https://github.com/Infini-AI-Lab/TriForce/tree/main/src/model.py)",
    "github.com/Infini-AI-Lab/TriForce, and more",
    "www.github.com/Infini-AI-Lab/TriForce/",
    "https://github.com/Infini-AI-Lab/TriForce{https://github.com/Infini-AI-Lab/TriForce}",
    "https://github.com/Infini-AI-Lab/TriForce#readme;",
    "`https://github.com/Infini-AI-Lab/TriForce`",
    "https://GitHub.com/Infini-AI-Lab/TriForce?tab=readme",
])
def test_github_forms_resolve_to_one_id(text: str) -> None:
    assert [r.id for r in extract_links(text).repos] == ["infini-ai-lab/triforce"]


def test_two_forms_in_one_abstract_count_once() -> None:
    text = ("(https://github.com/divelab/AIRS/tree/main/OpenMol/TDN{https://github.com/divelab/AIRS/}).")
    links = extract_links(text)
    assert [r.id for r in links.repos] == ["divelab/airs"]
    assert links.repos[0].url == "https://github.com/divelab/AIRS"


def test_cut_off_url_is_not_a_repo() -> None:
    links = extract_links("Our code is at https://github.com/someone/long-repo-")
    assert links.repos == [] and links.links == []


@pytest.mark.parametrize("text, expected", [
    ("https://huggingface.co/tencent/Tencent-Hunyuan-Large", "hf:tencent/tencent-hunyuan-large"),
    ("https://huggingface.co/datasets/Ada/Engines.", "hf:datasets/ada/engines"),
    ("hf.co/spaces/ada/demo", "hf:spaces/ada/demo"),
    ("https://gitlab.com/group/project.git", "gitlab:group/project"),
    ("https://anonymous.4open.science/r/LLaMoCo-722A.", "4open:r/llamoco-722a"),
    ("Code: anonymous.4open.science/r/Foo-1A2B.", "4open:r/foo-1a2b"),
])
def test_other_hosts(text: str, expected: str) -> None:
    assert [r.id for r in extract_links(text).repos] == [expected]


@pytest.mark.parametrize("text", [
    "https://huggingface.co/WizardLM.",  # an organisation, not a model
    "https://github.com/facebookresearch",  # an owner, not a repo
    "https://github.com/topics/transformers",
    "https://ycxuyingchen.github.io/hgap/.",  # a project page
])
def test_not_repos(text: str) -> None:
    assert extract_links(text).repos == []


def test_project_pages_and_arxiv_ids() -> None:
    links = extract_links("Project page: velo-code.github.io. Paper: arXiv:2310.01234v2 and "
                          "https://arxiv.org/abs/2401.00001.")
    assert links.links == ["https://velo-code.github.io", "https://arxiv.org/abs/2401.00001"]
    assert links.arxiv_ids == ["2310.01234", "2401.00001"]


def test_categories_and_words_are_not_links() -> None:
    assert extract_links("Results on cs.AI e.g. Node.js and ImageNet-1k.").links == []
