"""Every message an operation in processes/ raises for people is a processes.texts.Text, so a Swedish
reader gets it in Swedish (webui/errors.py translates it) while the CLI, the logs and the API keep the
English string (docs/translations.md).

Read from the syntax tree: each `raise X(message, ...)` where X is a DomainError subclass, and each
`require(allowed, message)` (processes.authz), must pass a `Text(...)` call, a choice between Text calls,
or a name bound only to those. Error classes that word their message themselves (TaskAlreadyCompleted,
CaseStepFailed, ...) are checked by building one of each.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from processes import errors
from processes.texts import Text

ROOT = Path(__file__).resolve().parents[1]
SKIP = ("processes/migrations/",)


def _files() -> list[Path]:
    return [p for p in sorted((ROOT / "processes").rglob("*.py"))
            if not any(p.relative_to(ROOT).as_posix().startswith(s) for s in SKIP)]


def _trees() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text(encoding="utf-8")) for path in _files()}


def _base_name(node: ast.expr) -> str | None:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None


def domain_errors(trees: dict[Path, ast.Module]) -> tuple[set[str], set[str]]:
    """The names of DomainError and its subclasses in processes/, and those that word their own message
    (they define __init__)."""
    names, composing = {"DomainError"}, set()
    classes = [node for tree in trees.values() for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    grown = True
    while grown:
        grown = False
        for cls in classes:
            if cls.name not in names and any(_base_name(base) in names for base in cls.bases):
                names.add(cls.name)
                grown = True
    for cls in classes:
        if cls.name in names and any(isinstance(n, ast.FunctionDef) and n.name == "__init__" for n in cls.body):
            composing.add(cls.name)
    return names, composing


def _is_text_call(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and _base_name(node.func) == "Text"


def _bindings(scope: ast.AST, name: str) -> Iterator[ast.expr | None]:
    """What `name` is bound to in `scope` (not descending into nested functions); None for a binding that is
    not a plain assignment (a loop variable, an unannotated parameter)."""
    if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
        for arg in [*scope.args.posonlyargs, *scope.args.args, *scope.args.kwonlyargs]:
            if arg.arg == name:
                annotation = arg.annotation
                yield ast.Call(func=ast.Name(id="Text"), args=[], keywords=[]) if (
                    annotation is not None and _base_name(annotation) == "Text") else None
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if _assigns(node, name):
            yield node.value  # type: ignore[attr-defined]
        elif any(isinstance(n, ast.Name) and n.id == name for target in _loop_targets(node) for n in ast.walk(target)):
            yield None  # a loop or with variable: no message written here
        stack.extend(ast.iter_child_nodes(node))


def _loop_targets(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
        return [node.target]
    if isinstance(node, ast.With | ast.AsyncWith):
        return [item.optional_vars for item in node.items if item.optional_vars is not None]
    return []


def _assigns(node: ast.AST, name: str) -> bool:
    if isinstance(node, ast.Assign):
        return any(isinstance(target, ast.Name) and target.id == name for target in node.targets)
    return isinstance(node, ast.AnnAssign | ast.AugAssign) and isinstance(node.target, ast.Name) \
        and node.target.id == name


def is_text(node: ast.expr | None, scopes: list[ast.AST]) -> bool:
    """`node` is sure to be a Text: a Text(...) call, a choice between such, or a name bound only to them in
    the innermost scope that binds it (the function, else the module)."""
    if node is None:
        return False
    if _is_text_call(node):
        return True
    if isinstance(node, ast.IfExp):
        return is_text(node.body, scopes) and is_text(node.orelse, scopes)
    if isinstance(node, ast.Name):
        for depth in range(len(scopes) - 1, -1, -1):
            bound = list(_bindings(scopes[depth], node.id))
            if bound:
                return all(is_text(value, scopes[:depth]) for value in bound)
    return False


def _walk_with_scopes(tree: ast.Module) -> Iterator[tuple[ast.AST, list[ast.AST]]]:
    def visit(node: ast.AST, scopes: list[ast.AST]) -> Iterator[tuple[ast.AST, list[ast.AST]]]:
        for child in ast.iter_child_nodes(node):
            inner = [*scopes, child] if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else scopes
            yield child, inner
            yield from visit(child, inner)

    yield from visit(tree, [tree])


def offenders(trees: dict[Path, ast.Module]) -> list[str]:
    names, composing = domain_errors(trees)
    found = []
    for path, tree in trees.items():
        where = path.relative_to(ROOT).as_posix()
        for node, scopes in _walk_with_scopes(tree):
            message: ast.expr | None
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                kind = _base_name(node.exc.func)
                if kind not in names or kind in composing:
                    continue
                message = node.exc.args[0] if node.exc.args else None
                what = f"raise {kind}(...)"
            elif isinstance(node, ast.Call) and _base_name(node.func) == "require" and len(node.args) == 2:
                message, what = node.args[1], "require(..., message)"
            else:
                continue
            if not is_text(message, scopes):
                found.append(f"{where}:{node.lineno}: {what} passes no processes.texts.Text")
    return found


def test_every_domain_error_raised_in_processes_passes_a_text() -> None:
    """Write the message as Text("case %(case_id)s not found", case_id=case_id): same English, and the
    pages translate it (then `make messages` and translate the new entries in sv/messages.po)."""
    assert offenders(_trees()) == []


def test_the_check_names_file_and_line(tmp_path: Path) -> None:
    source = '''
from .errors import Conflict, NotFound
from .texts import Text
NOT_FOUND = Text("Page not found.")


def ok(case_id, message: Text, status):
    raise NotFound(Text("case %(case_id)s not found", case_id=case_id))
    raise NotFound(NOT_FOUND)
    raise Conflict(message)
    raise Conflict(Text("a") if status else Text("b"))
    text = Text("c")
    raise Conflict(text)


def wrong(case_id, message, status):
    raise NotFound(f"case {case_id} not found")
    raise Conflict(message)
    raise Conflict(Text("a") if status else "b")
    require(False, "only administrators")
    raise Conflict()
'''
    path = ROOT / "processes" / "example.py"
    found = offenders({path: ast.parse(source), **{p: t for p, t in _trees().items() if p.name == "errors.py"}})
    assert found == [f"processes/example.py:{n}: {what} passes no processes.texts.Text" for n, what in [
        (17, "raise NotFound(...)"), (18, "raise Conflict(...)"), (19, "raise Conflict(...)"),
        (20, "require(..., message)"), (21, "raise Conflict(...)")]]


SAMPLES: dict[type[errors.DomainError], tuple[Any, ...]] = {
    errors.InvalidFormData: ({"name": Text("a name is required"), "email": "not an e-mail address"},),
    errors.CaseNotOpen: ("PA-1", "closed"),
    errors.TaskAlreadyCompleted: (7, "Officer2", "2026-01-02T10:00:00"),
    errors.TaskClaimedByOther: (7, "Officer2"),
    errors.NotWaitingFor: ("PA-1", "message", "reply", ["message 'other'"]),
    errors.CaseStepFailed: ("check_budget", "name 'x' is not defined"),
    errors.ProcessNotDeployable: (["a.bpmn:start: no outgoing flow"],),
}


def test_the_errors_that_word_their_message_word_it_as_a_text() -> None:
    composing = {cls for cls in vars(errors).values()
                 if inspect.isclass(cls) and issubclass(cls, errors.DomainError) and "__init__" in vars(cls)}
    assert composing == set(SAMPLES)
    for kind, args in SAMPLES.items():
        error = kind(*args)
        assert len(error.args) == 1 and isinstance(error.args[0], Text), kind


@pytest.mark.parametrize(("error", "english"), [
    (errors.InvalidFormData({"name": Text("a name is required"), "email": "not an e-mail address"}),
     "invalid form data (email: not an e-mail address; name: a name is required)"),
    (errors.CaseNotOpen(12, "cancelled"), "case 12 is already cancelled"),
    (errors.TaskAlreadyCompleted(7, "Officer2", "2026-01-02T10:00:00"),
     "task 7 was already completed by Officer2 at 2026-01-02T10:00:00"),
    (errors.TaskClaimedByOther(7, "Officer2"), "task 7 is claimed by Officer2"),
    (errors.NotWaitingFor("PA-1", "message", "reply", ["message 'info'", "signal 'stop'"]),
     "case PA-1 is not waiting for message 'reply' (it waits for message 'info', signal 'stop')"),
    (errors.NotWaitingFor("PA-1", "signal", "stop", []), "case PA-1 is not waiting for signal 'stop'"),
    (errors.NotWaitingFor("PA-1", "message", "reply", [], "the case waits for message 'reply' with id 2"),
     "case PA-1: waits for message 'reply' with id 2"),
    (errors.CaseStepFailed("check", "boom"), "the process failed at check: boom"),
    (errors.CaseStepFailed("", "boom"), "the process failed: boom"),
    (errors.ProcessNotDeployable(["a", "b"]), "the process has problems:\na\nb"),
])
def test_their_english_is_unchanged(error: errors.DomainError, english: str) -> None:
    assert str(error) == english
