"""Process versions: which one new cases start on, retiring, and moving running cases between versions."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from processes import case_migration, deploy_requests, releases
from processes.errors import NotFound

from ..input_guard import whole_number, whole_numbers
from ..session import actor, commit, database, db_session
from . import bp


@bp.get("/processes")
def processes() -> Any:
    session = db_session()
    return render_template("admin/processes.html", overview=releases.version_overview(session, actor()),
                           requests=deploy_requests.open_requests(session))


@bp.post("/processes/<key>/versions/<int:number>/retire")
def retire(key: str, number: int) -> Any:
    releases.retire_version(db_session(), actor(), key, number)
    commit()
    flash(_("Version %(n)s of %(key)s is retired: no new cases start on it.", n=number, key=key), "success")
    return redirect(url_for("admin.processes"))


def _version_numbers(key: str) -> list[int]:
    rows = releases.version_overview(db_session(), actor()).get(key)
    if not rows:
        raise NotFound(_("There is no process %(key)s.", key=key))
    return [row.version.version for row in rows]


@bp.get("/processes/<key>/migrate")
def migrate(key: str) -> Any:
    """Choose versions; with `dry_run`, list where each case's waiting tasks would land."""
    numbers = _version_numbers(key)
    source = whole_number(request.args.get("source"), "source") or numbers[0]
    target = whole_number(request.args.get("target"), "target") or numbers[-1]
    plans = None
    if request.args.get("dry_run"):
        plans = case_migration.plan_case_migration(db_session(), actor(), key, source, target)
    return render_template("admin/migrate.html", key=key, numbers=numbers, source=source, target=target,
                           plans=plans, results=None)


@bp.post("/processes/<key>/migrate")
def migrate_run(key: str) -> Any:
    """Move the chosen cases, each in its own transaction, and show what happened to each."""
    numbers = _version_numbers(key)
    source = whole_number(request.form.get("source"), "source") or 0
    target = whole_number(request.form.get("target"), "target") or 0
    case_ids = whole_numbers(request.form.getlist("cases"), "cases")
    if not case_ids:
        flash(_("Choose at least one case to move."), "error")
        return redirect(url_for("admin.migrate", key=key, source=source, target=target, dry_run=1))
    results = case_migration.migrate_cases(database(), actor().id, key, source, target, case_ids)
    moved = sum(1 for r in results if r.moved)
    flash(_("%(moved)s of %(total)s cases moved to version %(n)s.", moved=moved, total=len(results), n=target),
          "success" if moved == len(results) else "error")
    return render_template("admin/migrate.html", key=key, numbers=numbers, source=source, target=target,
                           plans=None, results=results)
