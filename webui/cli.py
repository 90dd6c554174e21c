"""The `onestop` command line (contract in DESIGN.md). Each command is one transaction."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy.orm import Session

from processes import cases, deployments, tasks, timers, users
from processes.db import DatabaseUnavailable, database_url, schema_problem, upgrade, utcnow
from processes.errors import DomainError, InvalidFormData, ProcessNotDeployable
from processes.files import read_process_files
from processes.json_values import parse_client_json
from processes.unit import Database

from .cli_args import ID, fail

T = TypeVar("T")


class Context:
    def __init__(self, url: str):
        self.url = url
        self._db: Database | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = Database(self.url)
        return self._db

    def run(self, work: Callable[[Session], T]) -> T:
        """Run `work` in one transaction; domain errors become one line on stderr and exit 1."""
        try:
            return self.db.run(work)
        except InvalidFormData as err:
            for key, message in sorted(err.errors.items()):
                click.echo(f"error: {key}: {message}", err=True)
            sys.exit(1)
        except ProcessNotDeployable as err:
            for problem in err.problems:
                click.echo(problem, err=True)
            sys.exit(1)
        except (DomainError, DatabaseUnavailable) as err:
            fail(str(err))
        raise AssertionError("unreachable")


pass_ctx = click.make_pass_decorator(Context)


def _json_arg(raw: str | None) -> dict[str, Any]:
    """--data parsed as strictly as a REST body (processes.json_values.parse_client_json)."""
    if not raw:
        return {}
    try:
        value = parse_client_json(raw, "--data")
    except InvalidFormData as err:
        problem = err.errors["--data"]
        fail(f"--data is {problem}" if problem.startswith("not valid JSON") else f"--data: {problem}")
    if not isinstance(value, dict):
        fail("--data must be a JSON object")
    return value




def _moment(raw: str | None) -> datetime | None:
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        fail(f"--now is not an ISO 8601 date-time: {raw}")
    if moment.tzinfo is None:
        fail("--now needs a time zone, e.g. 2026-12-01T09:00:00+00:00")
    return moment


def _actor(session: Session, username: str | None) -> Any:
    return users.find_user(session, username) if username else None


@click.group()
@click.option("--db", "db_url", default=None, help="Database URL (default: ONESTOP_DATABASE_URL or SQLite)")
@click.pass_context
def main(ctx: click.Context, db_url: str | None) -> None:
    """OneStop: citizen requests from the CSU to the offices, as BPMN."""
    ctx.obj = Context(database_url(db_url))


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@pass_ctx
def db_upgrade(ctx: Context) -> None:
    """Create or upgrade the schema to the newest migration."""
    try:
        upgrade(ctx.url)
    except DatabaseUnavailable as err:
        fail(str(err))
    click.echo("database is up to date")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def validate(paths: tuple[str, ...]) -> None:
    """Check BPMN, DMN and form files; one 'file:element-id: message' per problem."""
    files, display = _read(paths)
    problems = deployments.check_files(files)
    for problem in problems:
        name, _, rest = problem.partition(":")
        click.echo(f"{display.get(name, name)}:{rest}")
    if problems:
        sys.exit(1)
    click.echo(f"ok: {len(files)} files", err=True)


def _read(paths: tuple[str, ...]) -> tuple[dict[str, str], dict[str, str]]:
    try:
        return read_process_files([Path(p) for p in paths])
    except (OSError, ValueError) as err:
        fail(str(err))
    raise AssertionError("unreachable")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--user", "username", default=None)
@pass_ctx
def deploy(ctx: Context, paths: tuple[str, ...], username: str | None) -> None:
    """Deploy the processes in PATHS as new versions."""
    files, display = _read(paths)

    def work(session: Session) -> list[str]:
        results = deployments.deploy_version(session, _actor(session, username), files)
        return [f"{v.key} {v.version}" + ("" if created else " (unchanged)") for v, created in results]

    for line in ctx.run(work):
        click.echo(line)


@main.command()
@click.argument("key")
@click.option("--data", "raw", default=None, help="Start data as a JSON object")
@click.option("--user", "username", default=None)
@pass_ctx
def start(ctx: Context, key: str, raw: str | None, username: str | None) -> None:
    """Start a case of process KEY; prints the case id."""
    data = _json_arg(raw)
    click.echo(ctx.run(lambda s: cases.start_case(s, _actor(s, username), key, data).id))


@main.command("tasks")
@click.option("--user", "username", default=None, help="Tasks this user may work on")
@click.option("--group", default=None)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def list_tasks(ctx: Context, username: str | None, group: str | None, as_json: bool) -> None:
    """Open tasks, sorted by due date."""

    def work(session: Session) -> list[dict[str, Any]]:
        actor = _actor(session, username)
        return [cases.task_dict(t) for t in tasks.list_tasks(session, actor, group=group, limit=1000)]

    rows = ctx.run(work)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        due = (row["due_at"] or "-")[:16]
        click.echo(f"{row['id']:>6}  case {row['case_id']:<6} {row['name']:<32} {row['group'] or '-':<18} "
                   f"{row['assignee'] or '-':<12} due {due}")


@main.command()
@click.argument("task_id", type=ID)
@click.option("--user", "username", required=True)
@pass_ctx
def claim(ctx: Context, task_id: int, username: str) -> None:
    """Claim a task."""
    ctx.run(lambda s: tasks.claim_task(s, users.find_user(s, username), task_id))
    click.echo(f"task {task_id} claimed by {username}")


@main.command()
@click.argument("task_id", type=ID)
@click.option("--user", "username", required=True)
@pass_ctx
def unclaim(ctx: Context, task_id: int, username: str) -> None:
    """Give a claimed task back to its group."""
    ctx.run(lambda s: tasks.unclaim_task(s, users.find_user(s, username), task_id))
    click.echo(f"task {task_id} unclaimed")


@main.command()
@click.argument("task_id", type=ID)
@click.option("--to", "assignee", required=True)
@click.option("--user", "username", default=None)
@pass_ctx
def assign(ctx: Context, task_id: int, assignee: str, username: str | None) -> None:
    """Assign a task to a member of its group (managers)."""
    ctx.run(lambda s: tasks.assign_task(s, _actor(s, username), task_id, users.find_user(s, assignee)))
    click.echo(f"task {task_id} assigned to {assignee}")


@main.command()
@click.argument("task_id", type=ID)
@click.option("--user", "username", required=True)
@click.option("--data", "raw", default=None, help="Form data as a JSON object")
@pass_ctx
def complete(ctx: Context, task_id: int, username: str, raw: str | None) -> None:
    """Complete a task with its form data."""
    data = _json_arg(raw)

    def work(session: Session) -> int:
        task = tasks.complete_task(session, users.find_user(session, username), task_id, data)
        return task.case_id

    case_id = ctx.run(work)
    click.echo(f"task {task_id} completed; case {case_id}")


@main.group("case")
def case_group() -> None:
    """Cases."""


@case_group.command("show")
@click.argument("case_id", type=ID)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def case_show(ctx: Context, case_id: int, as_json: bool) -> None:
    """Show a case: status, data, open tasks and its event log."""
    view = ctx.run(lambda s: cases.case_dict(s, cases.get_case(s, case_id)))
    if as_json:
        click.echo(json.dumps(view, indent=2))
        return
    click.echo(f"case {view['id']} {view['business_key']}  {view['process_key']} v{view['version']}  "
               f"{view['status']}  office={view['office'] or '-'}  due={view['due_at'] or '-'}")
    if view["stuck"]:
        click.echo(f"  STUCK at {', '.join(view['stuck'])}: no task is ready and nothing is awaited")
    for wait in view["waiting"]:
        what = f"timer due {wait['due_at'] or '-'}" if wait["kind"] == "timer" else f"{wait['kind']} '{wait['name']}'"
        if wait.get("correlation"):
            what += " (" + ", ".join(f"{k} = {json.dumps(v)}" for k, v in sorted(wait["correlation"].items())) + ")"
        click.echo(f"  waiting for {what} at {wait['element_id']}")
    for task in view["open_tasks"]:
        click.echo(f"  open task {task['id']}: {task['name']} ({task['group']}, {task['assignee'] or 'unclaimed'})")
    for event in view["events"]:
        if event["kind"] != "element_completed":
            click.echo(f"  {event['at'][:19]}  {event['kind']:<20} {event['element_id'] or ''} "
                       f"{event['actor'] or ''}")


@main.group("timers")
def timers_group() -> None:
    """Timer events."""


@timers_group.command("run")
@click.option("--now", "raw_now", default=None, help="Fire what is due at this ISO 8601 moment")
@pass_ctx
def timers_run(ctx: Context, raw_now: str | None) -> None:
    """Fire every timer due now (or at --now)."""
    now = _moment(raw_now) or utcnow()
    total = 0
    while True:
        fired = ctx.run(lambda s: timers.fire_due_timers(s, now=now))
        total += fired
        # A round may fire nothing and still make progress: its cases failed and their timers with them.
        if fired == 0 and not ctx.run(lambda s: timers.waiting_due(s, now)):
            break
    click.echo(f"{total} timers fired")


@timers_group.command("retry")
@click.argument("case_id", type=ID)
@pass_ctx
def timers_retry(ctx: Context, case_id: int) -> None:
    """Set the failed timers of case CASE_ID waiting again (after fixing why its process failed)."""
    count = ctx.run(lambda s: timers.retry_failed_timers(s, None, case_id))
    click.echo(f"{count} timers of case {case_id} will fire again")


def require_current_schema(url: str) -> None:
    """Refuse to start a server or worker on a database whose schema is not this code's (one line, exit 1)."""
    try:
        problem = schema_problem(url)
    except DatabaseUnavailable as err:
        fail(str(err))
    if problem:
        fail(problem)


@main.command()
@click.option("--interval", default=5.0, help="Seconds between polls")
@click.option("--once", is_flag=True, help="Run one round and stop")
@pass_ctx
def worker(ctx: Context, interval: float, once: bool) -> None:
    """Fire due timers and send due mail in a loop (any number of workers may share a PostgreSQL database).

    Logs JSON lines on stderr; waits out a database outage; SIGTERM or Ctrl-C stop it between rounds."""
    import signal
    import threading

    from processes.worker_loop import run_worker

    from .logging import configure_logging

    configure_logging()
    require_current_schema(ctx.url)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        run_worker(ctx.db, interval=interval, stop=stop, once=once)
    except (DomainError, DatabaseUnavailable, ValueError) as err:  # ValueError: bad ONESTOP_SMTP_* settings
        fail(str(err))


@main.command()
@click.argument("key")
@pass_ctx
def versions(ctx: Context, key: str) -> None:
    """List the versions of process KEY."""
    rows = ctx.run(lambda s: [(v.version, v.status, v.deployed_at, v.content_hash[:12])
                              for v in deployments.list_versions(s, key)])
    for number, status, deployed_at, digest in rows:
        click.echo(f"{key} {number:<4} {status:<9} {deployed_at.isoformat() if deployed_at else '-'}  {digest}")


@main.command()
@click.option("--cases", "count", default=1500, show_default=True, help="How many demo cases to add (a year's worth)")
@pass_ctx
def demo(ctx: Context, count: int) -> None:
    """Seed demo offices, users (password 'demo'), articles and cases."""
    from processes.demo import DEMO_PASSWORD, PEOPLE, existing_cases, seed_articles, seed_cases, seed_people

    def people(session: Session) -> int:
        seed_people(session)
        seed_articles(session)
        return existing_cases(session)

    already = ctx.run(people)
    if already:
        click.echo(f"the database already has {already} cases: demo cases are only added to one without any")
    else:
        with click.progressbar(length=count, label="demo cases") as bar:
            done = 0

            def advance(n: int) -> None:
                nonlocal done
                bar.update(n - done)
                done = n

            ctx.run(lambda session: seed_cases(session, seed_people(session), count, progress=advance))
    click.echo(f"demo logins (password '{DEMO_PASSWORD}'):")
    for login, (display, roles, groups, _) in PEOPLE.items():
        click.echo(f"  {login:<16} {display:<20} {', '.join(roles):<18} {', '.join(groups)}")


@main.group("user")
def user_group() -> None:
    """Users and memberships."""


@user_group.command("add")
@click.argument("username")
@click.option("--name", "display_name", default=None)
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(users.ROLES))
@click.option("--group", "groups", multiple=True, help="Group (office or csu) to join; repeatable")
@click.option("--manager", is_flag=True, help="Manager of the given groups")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@pass_ctx
def user_add(ctx: Context, username: str, display_name: str | None, roles: tuple[str, ...],
             groups: tuple[str, ...], manager: bool, password: str) -> None:
    """Create or update a user."""

    def work(session: Session) -> None:
        user = users.ensure_user(session, username, display_name=display_name or username, roles=list(roles),
                                 password=password)
        for name in groups:
            users.add_member(session, user, users.find_group(session, name), manager=manager)

    ctx.run(work)
    click.echo(f"user {username} saved")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--worker/--no-worker", default=True, help="Run the timer worker in this process")
@pass_ctx
def serve(ctx: Context, host: str, port: int, worker: bool) -> None:
    """Serve the web UI (one machine; use gunicorn and `onestop worker` to scale out)."""
    import threading

    from werkzeug.serving import run_simple

    from .app import create_app

    require_current_schema(ctx.url)
    app = create_app({"DATABASE_URL": ctx.url})
    if worker:
        from processes.worker_loop import run_worker

        def loop() -> None:
            try:
                run_worker(ctx.db, interval=5.0, stop=threading.Event())
            except Exception as err:  # noqa: BLE001 - keep serving; say what went wrong
                click.echo(f"worker stopped: {err}", err=True)

        threading.Thread(target=loop, name="onestop-worker", daemon=True).start()
    click.echo(f"OneStop on http://{host}:{port}/  (database {ctx.url})")
    run_simple(host, port, app, threaded=True, use_reloader=False)


from .cli_apikeys import api_key_group  # noqa: E402 - registered last: it needs `main`

main.add_command(api_key_group)

from .cli_groups import group_group  # noqa: E402 - registered last: it needs `main`

main.add_command(group_group)

from .cli_outbox import outbox_command  # noqa: E402 - registered last: it needs `main`

main.add_command(outbox_command)

from .cli_export import export_command  # noqa: E402 - registered last: it needs `main`

main.add_command(export_command)

from .cli_articles import articles_group  # noqa: E402 - registered last: it needs `main`

main.add_command(articles_group)


from . import cli_messages, cli_versions  # noqa: E402,F401  (message, signal; diff, retire, migrate register on main)
