"""Users, their roles and memberships; groups (the CSU and the offices) and their managers."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from processes import admin
from processes.language import TRANSLATED
from processes.models import GROUP_KINDS, ROLES

from ..input_guard import whole_number
from ..session import actor, commit, current_user_of, db_session
from . import attempt, bp


def _checked(name: str) -> bool:
    return request.form.get(name) in ("1", "on", "true")


@bp.get("/users")
def users() -> Any:
    return render_template("admin/users.html", users=admin.list_users(db_session(), actor()), roles=ROLES,
                           errors={}, form={})


@bp.post("/users")
def create_user() -> Any:
    form = request.form
    user, errors = attempt(lambda: admin.create_user(
        db_session(), actor(), form.get("username", ""), display_name=form.get("display_name", ""),
        email=form.get("email", ""), roles=form.getlist("roles"), password=form.get("password", "")))
    if errors or user is None:
        return render_template("admin/users.html", users=admin.list_users(db_session(), actor()), roles=ROLES,
                               errors=errors, form=form), 422
    flash(_("User %(name)s created.", name=user.username), "success")
    return redirect(url_for("admin.user", user_id=user.id))


def _render_user(user_id: int, errors: dict[str, str], status: int = 200) -> Any:
    session, me = db_session(), actor()
    user = admin.get_user(session, me, user_id)
    member_of = {m.group_id for m in user.memberships}
    others = [g for g in admin.list_groups(session, me) if g.id not in member_of]
    return render_template("admin/user.html", user=user, roles=ROLES, errors=errors, other_groups=others), status


@bp.get("/users/<int:user_id>")
def user(user_id: int) -> Any:
    return _render_user(user_id, {})


@bp.post("/users/<int:user_id>")
def update_user(user_id: int) -> Any:
    form = request.form
    _done, errors = attempt(lambda: admin.update_user(
        db_session(), actor(), user_id, display_name=form.get("display_name", ""), email=form.get("email", ""),
        roles=form.getlist("roles"), active=_checked("active"), password=form.get("password") or None))
    if errors:
        return _render_user(user_id, errors, 422)
    if form.get("password") and user_id == current_user.id:
        # A new password ends all the user's sessions; the administrator who changed their own keeps this one.
        login_user(current_user_of(actor()))
    flash(_("Changes saved."), "success")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<int:user_id>/memberships")
def set_membership(user_id: int) -> Any:
    group_id = whole_number(request.form.get("group_id"), "group_id") or 0
    back = request.form.get("back") == "group"
    admin.set_membership(db_session(), actor(), user_id, group_id, manager=_checked("manager"))
    commit()
    flash(_("Membership saved."), "success")
    return redirect(url_for("admin.group", group_id=group_id) if back else url_for("admin.user", user_id=user_id))


@bp.post("/users/<int:user_id>/memberships/<int:group_id>/delete")
def remove_membership(user_id: int, group_id: int) -> Any:
    admin.remove_membership(db_session(), actor(), user_id, group_id)
    commit()
    flash(_("Membership removed."), "success")
    back = request.form.get("back") == "group"
    return redirect(url_for("admin.group", group_id=group_id) if back else url_for("admin.user", user_id=user_id))


@bp.get("/groups")
def groups() -> Any:
    return render_template("admin/groups.html", groups=admin.list_groups(db_session(), actor()), kinds=GROUP_KINDS,
                           errors={}, form={})


@bp.post("/groups")
def create_group() -> Any:
    form = request.form
    group, errors = attempt(lambda: admin.create_group(
        db_session(), actor(), form.get("name", ""), title=form.get("title", ""), kind=form.get("kind", "office"),
        email=form.get("email", ""), titles=_titles(form)))
    if errors or group is None:
        return render_template("admin/groups.html", groups=admin.list_groups(db_session(), actor()),
                               kinds=GROUP_KINDS, errors=errors, form=form), 422
    flash(_("Group %(name)s created.", name=group.name), "success")
    return redirect(url_for("admin.group", group_id=group.id))


def _render_group(group_id: int, errors: dict[str, str], status: int = 200) -> Any:
    session, me = db_session(), actor()
    group = admin.get_group(session, me, group_id)
    members = {m.user_id for m in group.memberships}
    others = [u for u in admin.list_users(session, me) if u.id not in members and u.active]
    memberships = sorted(group.memberships, key=lambda m: (not m.is_manager, m.user.username))
    return render_template("admin/group.html", group=group, memberships=memberships, kinds=GROUP_KINDS,
                           errors=errors, other_users=others), status


@bp.get("/groups/<int:group_id>")
def group(group_id: int) -> Any:
    return _render_group(group_id, {})


@bp.post("/groups/<int:group_id>")
def update_group(group_id: int) -> Any:
    form = request.form
    _done, errors = attempt(lambda: admin.update_group(
        db_session(), actor(), group_id, title=form.get("title", ""), kind=form.get("kind", ""),
        email=form.get("email", ""), active=_checked("active"), titles=_titles(form)))
    if errors:
        return _render_group(group_id, errors, 422)
    flash(_("Changes saved."), "success")
    return redirect(url_for("admin.group", group_id=group_id))


@bp.post("/groups/<int:group_id>/members")
def add_member(group_id: int) -> Any:
    user_id = whole_number(request.form.get("user_id"), "user_id") or 0
    admin.set_membership(db_session(), actor(), user_id, group_id, manager=_checked("manager"))
    commit()
    flash(_("Membership saved."), "success")
    return redirect(url_for("admin.group", group_id=group_id))


def _titles(form: Any) -> dict[str, str]:
    """The title's translations from the fields `title_<language>`."""
    return {language: form.get(f"title_{language}", "") for language in TRANSLATED}
