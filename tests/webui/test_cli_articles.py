"""`onestop articles add|list|retire|restore`: one line per problem and exit 1, like every command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from processes.knowledge import search_articles
from processes.models import Article, User
from tests.conftest import create_user


def test_add_list_retire_and_restore(cli: Any, session: Session, people: dict[str, User], deployed: None,
                                     tmp_path: Path) -> None:
    body = tmp_path / "kärl.txt"
    body.write_text("Hämtningsdagarna står i avfallskalendern.\n", encoding="utf-8")
    added = cli("articles", "add", "--title", "När töms mitt kärl?", "--body-file", str(body), "--language", "sv",
                "--category", "missed_collection", "--tags", "sopor, kärl")
    assert added.exit_code == 0, added.output
    article_id = int(added.stdout)
    assert cli("articles", "add", "--title", "Opening hours", "--body", "8-17.").exit_code == 0

    assert [a.id for a in search_articles(session, "avfallskalendern", language="sv")] == [article_id]
    listed = cli("articles", "list", "--language", "sv").stdout.splitlines()
    assert len(listed) == 1 and "När töms mitt kärl?" in listed[0] and "missed_collection" in listed[0]
    assert [r["title"] for r in json.loads(cli("articles", "list", "--language", "none", "--json").stdout)] == \
        ["Opening hours"]

    assert cli("articles", "retire", str(article_id)).stdout == f"article {article_id} retired\n"
    assert search_articles(session, "avfallskalendern") == []
    assert "När töms" not in cli("articles", "list").stdout
    assert "När töms mitt kärl?  (retired)" in cli("articles", "list", "--all").stdout
    assert cli("articles", "restore", str(article_id)).exit_code == 0
    session.expire_all()
    assert session.get(Article, article_id).retired_at is None  # type: ignore[union-attr]


def test_bad_fields_are_one_line_each_and_exit_1(cli: Any, session: Session, people: dict[str, User],
                                                 deployed: None) -> None:
    result = cli("articles", "add", "--title", "", "--body", "x" * 20_001, "--category", "unicorns")

    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["error: body: Enter at most 20000 characters.",
                                          "error: category: Choose one of the listed options.",
                                          "error: title: This field is required."]
    assert session.query(Article).count() == 0


def test_what_cannot_be_done_is_one_line_and_exit_1(cli: Any, session: Session, people: dict[str, User]) -> None:
    create_user(session, "reader", ["csu_agent"])
    session.commit()
    cases = {
        ("articles", "add", "--title", "t"): "error: give the text with --body or --body-file (one of them)",
        ("articles", "add", "--title", "t", "--body-file", "/no/such/file"):
            "error: --body-file /no/such/file: No such file or directory",
        ("articles", "add", "--title", "t", "--body", "b", "--user", "reader"):
            "error: only administrators and analysts write knowledge-base articles",
        ("articles", "retire", "999"): "error: article 999 not found",
        ("articles", "retire", "99999999999"): "error: ARTICLE_ID must be a whole number from 1 to 2147483647 "
                                               "(got '99999999999')",
    }
    for args, message in cases.items():
        result = cli(*args)
        assert (result.exit_code, result.stderr.strip()) == (1, message), args
    assert session.query(Article).count() == 0


def test_an_analyst_is_recorded_as_the_writer(cli: Any, session: Session, people: dict[str, User]) -> None:
    create_user(session, "analyst", ["analyst"])
    session.commit()
    result = cli("articles", "add", "--title", "Bins", "--body", "Weekly.", "--user", "analyst")

    assert result.exit_code == 0
    assert session.get(Article, int(result.stdout)).updated_by == "analyst"  # type: ignore[union-attr]
