"""The documentation stands alone: every relative link in README.md and docs/*.md resolves to a
file of the repository (and an anchor, where one is given, to a heading of that file), and
nothing points at `shared/`, which users never have."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])

#: Pages other engineers are writing in parallel; the lead empties this set at merge.
PENDING = {
    "docs/performance.md",
}

#: `[text](target)` and `[text]: target`, outside code.
INLINE = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.MULTILINE)
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # https:, mailto:, webcal: ...


def links(text: str) -> list[str]:
    prose = CODE_SPAN.sub("", FENCE.sub("", text))
    return INLINE.findall(prose) + REFERENCE.findall(prose)


def anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives a file's headings: lower case, punctuation dropped, spaces to
    dashes, repeats numbered."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", FENCE.sub("", markdown), re.MULTILINE):
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
        slug = re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def relative(document: Path) -> str:
    return document.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("document", DOCUMENTS, ids=relative)
def test_every_relative_link_resolves(document: Path) -> None:
    broken = []
    for target in links(document.read_text(encoding="utf-8")):
        if EXTERNAL.match(target):
            continue
        path_part, _, anchor = target.partition("#")
        resolved = (document.parent / path_part).resolve() if path_part else document
        name = resolved.relative_to(ROOT).as_posix() if resolved.is_relative_to(ROOT) else None
        if name in PENDING:
            continue
        if name is None or not resolved.exists():
            broken.append(f"{target}: no such file in the repository")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved.read_text()):
            broken.append(f"{target}: no heading #{anchor} in {name}")
    assert not broken, f"{relative(document)}: " + "; ".join(broken)


@pytest.mark.parametrize("document", DOCUMENTS, ids=relative)
def test_no_link_or_mention_of_shared(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    assert not [t for t in links(text) if re.search(r"(^|/)shared/", t)], relative(document)
    assert "../shared" not in text, f"{relative(document)} points at ../shared, which users lack"


def test_the_documents_are_found() -> None:
    names = {relative(document) for document in DOCUMENTS}
    assert {"README.md", "docs/README.md", "docs/api.md", "docs/concepts.md"} <= names


def test_the_checker_sees_a_broken_link_and_an_anchor() -> None:
    text = "See [x](missing.md), [y](api.md#errors) and `[not](code.md)`.\n```\n[no](fence.md)\n```"
    assert links(text) == ["missing.md", "api.md#errors"]
    assert {"errors", "a-b", "a-b-1"} <= anchors("## Errors\n## A, b\n## A b\n")


def test_every_pending_page_is_still_missing() -> None:
    """An allowlisted page that exists must be checked like the others: drop it from PENDING."""
    assert not [name for name in PENDING if (ROOT / name).exists()]
