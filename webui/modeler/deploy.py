"""Review the diff against the deployed version and deploy a draft (administrators)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from processes import releases
from processes.errors import ProcessNotDeployable

from ..session import actor, commit, db_session
from . import bp


@bp.get("/<key>/deploy")
def deploy(key: str) -> Any:
    review = releases.review_draft(db_session(), actor(), key)
    return render_template("modeler/deploy.html", review=review, may_deploy=current_user.has_role("admin"))


@bp.post("/<key>/deploy")
def deploy_draft(key: str) -> Any:
    session = db_session()
    try:
        version = releases.deploy_draft(session, actor(), key)
    except ProcessNotDeployable:
        session.rollback()
        review = releases.review_draft(session, actor(), key)
        return render_template("modeler/deploy.html", review=review, may_deploy=True, refused=True), 422
    commit()
    flash(_("Version %(n)s of %(key)s is deployed: new cases start on it.", n=version.version, key=key), "success")
    return redirect(url_for("modeler.deploy", key=key))
