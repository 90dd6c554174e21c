"""Review the diff against the deployed version and deploy a draft (administrators)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from processes import deploy_requests, releases
from processes.errors import InvalidFormData, ProcessNotDeployable

from ..session import actor, commit, db_session
from . import bp


def _render(key: str, *, refused: bool = False, errors: dict[str, str] | None = None, status: int = 200) -> Any:
    session = db_session()
    review = releases.review_draft(session, actor(), key)
    return render_template("modeler/deploy.html", review=review, may_deploy=current_user.has_role("admin"),
                           refused=refused, errors=errors or {}, requests=deploy_requests.open_requests(session, key),
                           deployers=deploy_requests.deployers(session)), status


@bp.get("/<key>/deploy")
def deploy(key: str) -> Any:
    return _render(key)


@bp.post("/<key>/deploy-request")
def request_deploy(key: str) -> Any:
    """An analyst asks the administrators to deploy the draft."""
    session = db_session()
    try:
        deploy_requests.request_deploy(session, actor(), key, request.form.get("note", ""))
    except (ProcessNotDeployable, InvalidFormData) as err:
        session.rollback()
        return _render(key, refused=True, errors=getattr(err, "errors", {}), status=422)
    commit()
    flash(_("Your request is recorded: an administrator sees it on this page and under Processes."), "success")
    return redirect(url_for("modeler.deploy", key=key))


@bp.post("/<key>/deploy")
def deploy_draft(key: str) -> Any:
    session = db_session()
    try:
        version = releases.deploy_draft(session, actor(), key)
    except ProcessNotDeployable:
        session.rollback()
        return _render(key, refused=True, status=422)
    commit()
    flash(_("Version %(n)s of %(key)s is deployed: new cases start on it.", n=version.version, key=key), "success")
    return redirect(url_for("modeler.deploy", key=key))
