"""The project states its rules itself: comments and docs cite documents in the repository only,
and every "docs/kpis.md section N" that is cited exists."""

from __future__ import annotations

import re
import subprocess

from orchestration.settings import PROJECT_ROOT

# The names of the outside documents the rules were first written in (spelled in pieces so that
# this file does not cite them itself).
OUTSIDE = re.compile("|".join(re.escape(n + ".md") for n in ("KPIS", "SOURCES", "INTERFACE")))


def _tracked_text_files() -> dict[str, str]:
    names = subprocess.run(
        ["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    texts = {}
    for name in names:
        try:
            texts[name] = (PROJECT_ROOT / name).read_text()
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
            continue
    return texts


def test_no_file_cites_a_document_outside_the_repository() -> None:
    citing = sorted(name for name, text in _tracked_text_files().items() if OUTSIDE.search(text))
    assert citing == []


def test_every_cited_section_of_the_metric_dictionary_exists() -> None:
    dictionary = (PROJECT_ROOT / "docs" / "kpis.md").read_text()
    sections = set(re.findall(r"^## (\d+)\. ", dictionary, flags=re.MULTILINE))
    cited: dict[str, set[str]] = {}
    for name, text in _tracked_text_files().items():
        for match in re.finditer(r"docs/kpis\.md,? sections? (\d+)(?:\s*(?:-|and)\s*(\d+))?", text):
            for number in filter(None, match.groups()):
                cited.setdefault(number, set()).add(name)
    assert cited, "nothing cites the metric dictionary by section"
    missing = {n: sorted(names) for n, names in cited.items() if n not in sections}
    assert missing == {}
