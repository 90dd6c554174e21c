"""The draft editor: one file at a time in bpmn-js, dmn-js or form-js; save, validate, upload, download."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from processes import drafts
from processes.errors import InvalidFormData, NotFound

from ..errors import field_errors
from ..session import actor, commit, db_session
from . import bp

TABS = ("bpmn", "dmn", "form")


def _choose(files: dict[str, str], tab: str | None, name: str | None) -> tuple[str, str | None]:
    """(tab, file name) to show: the named file, else the first file of the tab, else the first BPMN."""
    if name in files:
        return drafts.kind_of(name) or "bpmn", name
    tab = tab if tab in TABS else "bpmn"
    in_tab = sorted(n for n in files if drafts.kind_of(n) == tab)
    return tab, in_tab[0] if in_tab else None


@bp.get("/<key>")
def editor(key: str) -> Any:
    session, me = db_session(), actor()
    try:
        draft = drafts.get_draft(session, me, key)
    except NotFound:
        row = next((r for r in drafts.list_processes(session, me) if r.key == key), None)
        if row is None:
            raise
        return render_template("modeler/no_draft.html", row=row)
    return _render_editor(draft, request.args.get("tab"), request.args.get("file"), {})


def _render_editor(draft: Any, tab: str | None, name: str | None, upload_errors: dict[str, str],
                   status: int = 200) -> Any:
    tab, name = _choose(draft.files, tab, name)
    by_tab = {t: sorted(n for n in draft.files if drafts.kind_of(n) == t) for t in TABS}
    config = {
        "key": draft.key, "kind": tab, "file": name, "content": draft.files.get(name) if name else None,
        "saveUrl": url_for("modeler.save_file", key=draft.key, name=name) if name else None,
        "validateUrl": url_for("modeler.validate", key=draft.key),
        "problems": drafts.draft_problems(draft),
    }
    return render_template("modeler/editor.html", draft=draft, tab=tab, name=name, by_tab=by_tab, config=config,
                           upload_errors=upload_errors, max_kb=drafts.MAX_DRAFT_FILE_BYTES // 1024), status


@bp.post("/<key>/draft")
def start_draft(key: str) -> Any:
    draft = drafts.open_draft(db_session(), actor(), key)
    commit()
    return redirect(url_for("modeler.editor", key=draft.key))


@bp.post("/<key>/discard")
def discard(key: str) -> Any:
    drafts.discard_draft(db_session(), actor(), key)
    commit()
    flash(_("Draft of %(key)s discarded.", key=key), "success")
    return redirect(url_for("modeler.index"))


@bp.post("/<key>/files/<path:name>")
def save_file(key: str, name: str) -> Any:
    """Save one file from the editor (JSON {content}); answers with the draft's problems."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("content"), str):
        return jsonify(error=_("Send the file as JSON: {\"content\": \"...\"}.")), 400
    try:
        problems = drafts.save_files(db_session(), actor(), key, {name: body["content"]})
    except InvalidFormData as err:
        db_session().rollback()
        return jsonify(error=_("Not saved."), errors=field_errors(err.errors)), 422
    commit()
    return jsonify(saved=True, problems=problems)


@bp.get("/<key>/validate")
def validate(key: str) -> Any:
    return jsonify(problems=drafts.draft_problems(drafts.get_draft(db_session(), actor(), key)))


@bp.get("/<key>/files/<path:name>")
def download_file(key: str, name: str) -> Any:
    draft = drafts.get_draft(db_session(), actor(), key)
    if name not in draft.files:
        abort(404)
    return _attachment(draft.files[name].encode("utf-8"), name.rsplit("/", 1)[-1], "text/plain; charset=utf-8")


@bp.get("/<key>/download")
def download(key: str) -> Any:
    draft = drafts.get_draft(db_session(), actor(), key)
    return _attachment(drafts.files_zip(draft.files), f"{key}-draft.zip", "application/zip")


@bp.get("/<key>/versions/<int:number>/download")
def download_version(key: str, number: int) -> Any:
    files = drafts.version_files(db_session(), actor(), key, number)
    return _attachment(drafts.files_zip(files), f"{key}-v{number}.zip", "application/zip")


def _attachment(data: bytes, filename: str, mimetype: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/<key>/files")
def add_file(key: str) -> Any:
    try:
        name = drafts.add_file(db_session(), actor(), key, request.form.get("kind", ""), request.form.get("name", ""))
    except InvalidFormData as err:
        db_session().rollback()
        draft = drafts.get_draft(db_session(), actor(), key)
        return _render_editor(draft, request.form.get("kind"), None, err.errors, 422)
    commit()
    return redirect(url_for("modeler.editor", key=key, file=name))


@bp.post("/<key>/files/<path:name>/delete")
def delete_file(key: str, name: str) -> Any:
    drafts.delete_file(db_session(), actor(), key, name)
    commit()
    flash(_("%(name)s removed from the draft.", name=name), "success")
    return redirect(url_for("modeler.editor", key=key))


@bp.post("/<key>/upload")
def upload(key: str) -> Any:
    """Add or replace files; all are checked first, and nothing is stored if one is refused."""
    session, me = db_session(), actor()
    uploads = [f for f in request.files.getlist("files") if f.filename]
    try:
        if not uploads:
            raise InvalidFormData({"files": _("Choose one or more .bpmn, .dmn or .form files.")})
        files = {}
        for storage in uploads:
            name = drafts.upload_name(storage.filename or "")
            files[name] = drafts.decode_upload(name, storage.read(drafts.MAX_DRAFT_FILE_BYTES + 1))
        drafts.save_files(session, me, key, files)
    except InvalidFormData as err:
        session.rollback()
        return _render_editor(drafts.get_draft(session, me, key), None, None, err.errors, 422)
    commit()
    flash(_("Uploaded: %(names)s.", names=", ".join(sorted(files))), "success")
    return redirect(url_for("modeler.editor", key=key, file=sorted(files)[0]))
