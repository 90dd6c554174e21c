"""No Python in processes/ or webui/ names the second shipped routine: its process key, its decision
table, its element ids or the keys of its forms. Only tests and the demo seed (processes/demo*.py) may;
the application learns everything about it from the deployed files (docs/routines.md).

Read from the syntax tree: docstrings and comments may mention it, string literals and names may not."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("processes", "webui")
# Keys this routine's forms share with others (and the case columns) are the application's words, not its own.
SHARED_KEYS = {"channel", "citizen_name", "citizen_email", "description", "decision", "answer", "info_question",
               "follow_up_note"}


def routine_words() -> tuple[set[str], set[str]]:
    """(its ids: named anywhere in a string, its form keys: a string that is the key)."""
    root = etree.parse(str(ROOT / "bpmn" / "permit_application.bpmn")).getroot()
    ids = {e.get("id") for e in root.iter() if isinstance(e.tag, str) and (e.get("id") or "").startswith("pa_")}
    keys: set[str] = set()
    for form in (ROOT / "bpmn" / "forms").glob("permit_*.form"):
        keys |= {c["key"] for c in json.loads(form.read_text())["components"] if c.get("key")}
    return {"permit_application", "permit_fee", *(i for i in ids if i)}, keys - SHARED_KEYS


def named(source: str, ids: set[str], keys: frozenset[str] | set[str] = frozenset()) -> list[tuple[int, str]]:
    """(line, word) of each string literal or name in `source` that names one of `ids` or is one of `keys`."""
    words = ids | keys
    tree = ast.parse(source)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            found += [(node.lineno, w) for w in ids if w in re.split(r"[^A-Za-z0-9_]+", node.value)]
            found += [(node.lineno, node.value)] if node.value in keys else []
        elif isinstance(node, ast.Name) and node.id in words:
            found.append((node.lineno, node.id))
        elif isinstance(node, ast.Attribute) and node.attr in words:
            found.append((node.lineno, node.attr))
    return sorted(found)


def test_the_words_are_found_in_code_but_not_in_prose() -> None:
    source = ('"""Starts permit_application cases."""\nx = "pa_decide"\ny = {"floor_area": 1}\nz = works\n'
              'flash("It works.")\nq = f"form of {pa_decide}"\n')
    assert named(source, {"pa_decide", "permit_application"}, {"floor_area", "works"}) == [
        (2, "pa_decide"), (3, "floor_area"), (4, "works"), (6, "pa_decide")]


def test_only_the_demo_seed_names_the_second_routine() -> None:
    ids, keys = routine_words()
    assert {"permit_application", "pa_decide"} <= ids and {"floor_area", "works"} <= keys
    found = [f"{path.relative_to(ROOT)}:{line}: {word}"
             for folder in SCANNED for path in sorted((ROOT / folder).rglob("*.py"))
             if not (path.parent.name == "processes" and path.name.startswith("demo"))
             for line, word in named(path.read_text(), ids, keys)]
    assert not found, "read these from the deployed BPMN and forms:\n" + "\n".join(found)
