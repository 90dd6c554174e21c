"""No Python in processes/ or webui/ names the reference routine (docs/routines.md): its element ids,
process key, the group `csu`, the outcome `resolved` and the business key prefix `CR-` come from the
deployed BPMN. Only tests and the demo seed (processes/demo*.py) may name them.

Strings and names are read from the syntax tree, so docstrings and comments may talk about the
reference routine; a string literal or an identifier may not.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("processes", "webui")
LONG_IDS = ("handle_request", "contact_citizen", "follow_up_overdue", "citizen_request")
SHORT_IDS = ("intake", "csu", "resolved")
# Each exception says why the word is not the routine's.
ALLOWED = {
    ("webui/intake.py", "intake"): "the blueprint and endpoint of the CSU's intake page (/intake), not an element",
    ("processes/models/users.py", "csu"): "the kind of a group (a front desk), not the name of a group",
}
_WORD = r"(?<![A-Za-z0-9_]){}(?![A-Za-z0-9_])"
_LONG = re.compile("|".join(_WORD.format(re.escape(i)) for i in LONG_IDS))
_SHORT_QUOTED = re.compile("|".join(rf"""['"]{i}['"]|{_WORD.format(i)}\.form""" for i in SHORT_IDS))


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def offending(source: str) -> Iterator[tuple[int, str]]:
    """(line, text) of every string literal or identifier in `source` that names the reference routine."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            text = node.value
            if text in SHORT_IDS or text in LONG_IDS or _LONG.search(text) or _SHORT_QUOTED.search(text) \
                    or "CR-" in text:
                yield node.lineno, text
        names: list[str] = []
        if isinstance(node, ast.Name):
            names = [node.id]
        elif isinstance(node, ast.Attribute):
            names = [node.attr]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names = [node.name]
        elif isinstance(node, ast.arg | ast.keyword):
            names = [node.arg or ""]
        for name in names:
            if name in LONG_IDS:
                yield getattr(node, "lineno", 0), name


def _sources() -> Iterator[Path]:
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.parent.name == "processes" and path.name.startswith("demo"):
                continue  # the demo seed plays the reference routine on purpose
            yield path


def test_the_scanner_finds_literals_and_names_but_not_prose() -> None:
    source = '''"""Handles handle_request and the 'resolved' outcome, CR- keys, group "csu"."""
def f(handle_request):
    """Docstring about intake.form."""
    a = "intake"
    b = f"CR-{year}"
    c = "outcome == 'resolved'"
    d = ["returned_to_csu", "csu_agent", "intake.register", "resolved_on_first_contact", "x.csu"]
    e = {"form": "intake.form"}
    g = citizen_request
'''
    found = list(offending(source))
    assert sorted(line for line, _ in found) == [2, 4, 5, 6, 8, 9], found


def test_the_demo_seed_is_the_only_code_that_names_the_reference_routine() -> None:
    found = []
    for path in _sources():
        relative = path.relative_to(ROOT).as_posix()
        for line, text in offending(path.read_text()):
            if (relative, text) not in ALLOWED:
                found.append(f"{relative}:{line}: {text!r}")
    assert not found, "read these from the deployed BPMN (processes.routines):\n" + "\n".join(found)


@pytest.mark.parametrize(("path", "word"), sorted(ALLOWED))
def test_every_exception_is_still_needed(path: str, word: str) -> None:
    assert any(text == word for _, text in offending((ROOT / path).read_text())), f"{path} no longer says {word!r}"
