"""The command line with a database that is not ready: a wrong folder, no schema, demo data twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import func, select

from processes.db import SchemaMissing, head_revision, upgrade
from processes.knowledge import search_articles
from processes.models import Article, Case
from processes.unit import Database
from webui.app import create_app
from webui.cli import main

ROOT = Path(__file__).resolve().parents[2]
OLDER = "0007_article_languages"  # a revision before the newest: the schema of the OneStop before the last upgrade


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output  # stdout and stderr, as a terminal shows them


def test_upgrade_into_a_folder_that_does_not_exist_says_so_and_creates_nothing(tmp_path: Path) -> None:
    target = tmp_path / "typo" / "dir" / "x.db"
    code, output = run("--db", f"sqlite:///{target}", "db", "upgrade")
    assert code == 1
    assert output.strip().splitlines() == [
        f"error: database unavailable at sqlite:///{target}: the folder {target.parent} does not exist: "
        "create it first, or check the path"]
    assert not (tmp_path / "typo").exists()


def test_a_database_without_the_schema_says_to_run_db_upgrade(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    code, output = run("--db", f"sqlite:///{empty}", "tasks")
    assert code == 1
    assert output.startswith("error: the database has no OneStop schema, or an older one: run `onestop db upgrade`")
    assert "Traceback" not in output


def test_the_web_pages_say_it_too(tmp_path: Path) -> None:
    app: Flask = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}", "TESTING": True,
                             "SECRET_KEY": "test", "RATELIMIT_ENABLED": False})
    response = app.test_client().get("/portal")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "The database has no OneStop schema, or an older one: run `onestop db upgrade`." in page
    app.extensions["onestop.db"].dispose()


def test_demo_twice_adds_the_cases_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    upgrade(url)
    assert run("--db", url, "deploy", str(ROOT / "bpmn"))[0] == 0
    assert run("--db", url, "demo", "--cases", "5")[0] == 0
    database = Database(url)
    with database.sessions() as session:
        first = session.scalar(select(func.count()).select_from(Case))
        articles = sorted(session.execute(select(Article.title, Article.language)).all())
    assert {language for _, language in articles} == {"en", "sv"}  # the demo articles in both languages
    code, output = run("--db", url, "demo", "--cases", "5")
    with database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == first
        assert sorted(session.execute(select(Article.title, Article.language)).all()) == articles
    database.dispose()
    assert code == 0 and f"the database already has {first} cases" in output


def test_a_server_or_worker_refuses_a_database_behind_this_code(tmp_path: Path) -> None:
    """An upgrade of OneStop without `onestop db upgrade`: said at start, not as "database not available"
    on the first page that reads a new column."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, revision=OLDER)
    for command in (["worker", "--once"], ["serve", "--port", "1"]):
        code, output = run("--db", url, *command)
        assert code == 1
        assert output.strip() == (f"error: the database schema is at revision {OLDER}, this OneStop needs "
                                  f"{head_revision()}: run `onestop db upgrade`")
    code, output = run("--db", f"sqlite:///{tmp_path / 'new.db'}", "worker", "--once")
    assert (code, output.strip()) == (1, "error: " + SchemaMissing.MESSAGE)


def test_reading_a_column_the_database_lacks_says_to_upgrade(tmp_path: Path) -> None:
    """A server started anyway (gunicorn does not ask `onestop serve`): the first read of a new column."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, revision=OLDER)
    database = Database(url)
    try:
        with pytest.raises(SchemaMissing) as refused:
            database.run(lambda session: search_articles(session, "bin"))
    finally:
        database.dispose()
    assert str(refused.value).startswith(SchemaMissing.MESSAGE)
    assert "no such column" in str(refused.value)
