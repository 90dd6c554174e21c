"""Test runs of a draft: scripted task outcomes, the path on the diagram, saved scenarios."""

from __future__ import annotations

import json
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from processes import drafts, simulation
from processes.errors import InvalidFormData

from ..session import actor, commit, db_session
from . import bp


def _form_of(scenario: dict[str, Any] | None) -> dict[str, str]:
    scenario = scenario or {"name": "", "start_data": {}, "steps": []}
    return {"name": scenario.get("name", ""), "start_data": json.dumps(scenario.get("start_data") or {}, indent=2),
            "steps": json.dumps(scenario.get("steps") or [], indent=2)}


def _render(key: str, form: dict[str, str], result: Any = None, errors: dict[str, str] | None = None,
            summary: list[tuple[str, Any]] | None = None, status: int = 200) -> Any:
    draft = drafts.get_draft(db_session(), actor(), key)
    xml = drafts.process_xml(draft)
    return render_template("modeler/testrun.html", draft=draft, form=form, result=result, errors=errors or {},
                           summary=summary, xml=xml, example=json.dumps(simulation.example_steps(xml))), status


@bp.get("/<key>/test")
def test_run(key: str) -> Any:
    draft = drafts.get_draft(db_session(), actor(), key)
    chosen = next((s for s in draft.scenarios or [] if s.get("name") == request.args.get("scenario")), None)
    return _render(key, _form_of(chosen))


@bp.post("/<key>/test")
def run_test(key: str) -> Any:
    session, me, form = db_session(), actor(), request.form
    action = form.get("action", "run")
    if action == "run_all":
        draft = drafts.get_draft(session, me, key)
        summary = [(s.get("name", ""), simulation.run_scenario(session, me, key, s)) for s in draft.scenarios or []]
        return _render(key, _form_of(None), summary=summary)
    if action == "delete":
        simulation.delete_scenario(session, me, key, form.get("name", ""))
        commit()
        flash(_("Scenario %(name)s deleted.", name=form.get("name", "")), "success")
        return redirect(url_for("modeler.test_run", key=key))
    fields = {name: form.get(name, "") for name in ("name", "start_data", "steps")}
    try:
        scenario = simulation.parse_scenario(fields["name"], fields["start_data"], fields["steps"])
    except InvalidFormData as err:
        return _render(key, fields, errors=err.errors, status=422)
    if action == "save":
        simulation.save_scenario(session, me, key, scenario)
        commit()
        flash(_("Scenario %(name)s saved with the draft.", name=scenario["name"]), "success")
    return _render(key, fields, result=simulation.run_scenario(session, me, key, scenario))
