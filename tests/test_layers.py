"""Imports flow webui -> processes -> engine -> SpiffWorkflow, never back."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# package -> top-level modules it must never import
FORBIDDEN = {
    "engine": {"flask", "sqlalchemy", "alembic", "processes", "webui", "werkzeug"},
    "processes": {"flask", "webui", "SpiffWorkflow", "flask_login", "flask_wtf", "flask_babel"},
    "webui": {"SpiffWorkflow", "engine"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_respects_the_layering(package: str) -> None:
    offences = {
        str(path.relative_to(ROOT)): sorted(imported_modules(path) & FORBIDDEN[package])
        for path in sources(package)
    }
    assert {file: bad for file, bad in offences.items() if bad} == {}


def test_the_check_catches_a_wrong_arrow(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import flask\nfrom sqlalchemy.orm import Session\n")
    assert imported_modules(bad) & FORBIDDEN["engine"] == {"flask", "sqlalchemy"}
