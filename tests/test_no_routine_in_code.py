"""No Python in processes/ or webui/ names the reference routine (docs/routines.md): its element ids,
process key, the group `csu`, the outcome `resolved`, the business key prefix `CR-` and the keys of its
forms and decision table (which field is the citizen's e-mail, the answer, the office, ...) come from the
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
# Keys of the routine's forms that are nobody else's words: no string literal may be one.
FORM_KEYS = ("resolved_on_first_contact", "kb_article", "citizen_name", "citizen_email", "info_question",
             "citizen_reply")
# Keys that are also ordinary words of the application (an API field, a filter, a mail template): a string
# literal may be one, but no code may read case or form data by it: `x.get("office")`, `x["office"]`,
# `x == "office"`, `"office" in x`, `outputs.index("office")`.
READ_KEYS = ("office", "channel", "category", "answer", "outcome", "description", "need_info", "due_at")
READERS = ("get", "index", "pop", "setdefault")
# Each exception says why the word is not the routine's.
ALLOWED = {
    ("webui/intake.py", "intake"): "the blueprint and endpoint of the CSU's intake page (/intake), not an element",
    ("processes/models/users.py", "csu"): "the kind of a group (a front desk), not the name of a group",
    ("processes/notifications.py", "citizen_name"): "a placeholder of the mail templates, filled from the field "
                                                    "the routine names citizen_name_field",
    ("processes/notifications.py", "info_question"): "a placeholder of the mail templates, filled from the "
                                                     "routine's question_field",
    **{("processes/portal.py", key): "an input of the portal's own page (webui/templates/portal/form.html), put "
                                     "under the routine's fields by Routine.data_for"
       for key in ("citizen_name", "citizen_email", "description")},
    **{("webui/portal.py", key): "an input of the portal's own page" for key in ("citizen_name", "citizen_email")},
    ("processes/tracking.py", "answer"): "a detail of the duplicate_answered event, not case data",
    ("webui/api/openapi.py", "citizen_reply"): "an example message name in the API description",
    ("webui/api/openapi.py", "citizen_name"): "a property of the API's CaseSummary (the case's column)",
    ("webui/api/views.py", "citizen_name"): "a property of the API's CaseSummary (the case's column)",
    ("webui/api/views.py", "office"): "the office query parameter of GET /api/cases",
    ("webui/case_wording.py", "office"): "a word of the event sentences (the office's title)",
    ("webui/cases.py", "office"): "the office filter of the case search page",
    ("webui/cli.py", "office"): "a key of the case view (processes.cases.case_dict)",
    ("webui/cli.py", "due_at"): "a key of the case view and its waits (processes.cases.case_dict)",
    ("processes/cases.py", "due_at"): "the due moment of a wait (processes.waits.describe_waits), not case data",
    ("webui/dashboard.py", "office"): "the dashboard's office filter",
    ("webui/dashboard.py", "channel"): "the dashboard's channel filter",
    ("webui/inbox.py", "category"): "the inbox's category filter parameter",
    ("processes/knowledge.py", "category"): "an article's own field (Article.category), checked against the "
                                             "categories the deployed intake form offers",
    ("webui/cli_articles.py", "category"): "a key of the CLI's article rows (_row: the Article's columns)",
    ("webui/knowledge.py", "category"): "the knowledge-base list's category filter parameter",
}
# The schema names the case's own columns (citizen_email, office, ...), which are the application's, not a form's.
SCANNED_SKIP = ("processes/migrations/", "processes/models/")
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


def _reads(tree: ast.AST) -> Iterator[ast.Constant]:
    """The string constants that code reads data by: subscripts, comparisons, `.get(...)` and the like."""
    for node in ast.walk(tree):
        candidates: list[ast.expr] = []
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            candidates = [node.slice]
        elif isinstance(node, ast.Compare):
            candidates = [node.left, *node.comparators]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in READERS:
            candidates = node.args[:1]
        yield from (c for c in candidates if isinstance(c, ast.Constant) and isinstance(c.value, str))


def offending(source: str) -> Iterator[tuple[int, str]]:
    """(line, text) of every string literal or identifier in `source` that names the reference routine."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    for node in _reads(tree):
        if node.value in READ_KEYS:
            yield node.lineno, node.value
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            text = node.value
            if text in SHORT_IDS or text in LONG_IDS or _LONG.search(text) or _SHORT_QUOTED.search(text) \
                    or "CR-" in text or text in FORM_KEYS:
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
            if path.relative_to(ROOT).as_posix().startswith(SCANNED_SKIP):
                continue
            yield path


def test_the_scanner_finds_literals_and_names_but_not_prose() -> None:
    source = '''"""Handles handle_request and the 'resolved' outcome, CR- keys, group "csu"."""
def f(handle_request):
    """Docstring about intake.form."""
    a = "intake"
    b = f"CR-{year}"
    c = "outcome == 'resolved'"
    d = ["returned_to_csu", "csu_agent", "intake.register", "x.csu", "kb_article_id", "office_title"]
    e = {"form": "intake.form"}
    g = citizen_request
    h = {"office": case.office, "answer": text}, queue_notification(s, c, "answer"), errors["office"]
    i = data.get("office") or data["channel"]
    j = outputs.index("office") if data.get("outcome") == "need_info" else "description" in data
    k = "resolved_on_first_contact"
    m = {"citizen_email": x}
'''
    found = list(offending(source))
    assert sorted(line for line, _ in found) == [2, 4, 5, 6, 8, 9, 10, 11, 11, 12, 12, 12, 12, 13, 14], found


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
