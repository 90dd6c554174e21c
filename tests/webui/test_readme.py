"""The README's command-line walk-through runs as written, in its order, on a fresh SQLite database.

Only the commands that never end (`serve`, `worker`) are left out, by name; any other line that fails,
or a line that is not an `onestop` command, fails the test, so the README cannot drift from the CLI."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from webui.cli import main

ROOT = Path(__file__).resolve().parents[2]
LONG_RUNNING = {"serve", "worker"}


def readme_commands() -> list[list[str]]:
    """The arguments of each command in the ```sh block of the README's command-line section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## The command line", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None, "the README's command-line section has no ```sh block"
    commands = []
    for line in block.group(1).replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        if words:
            assert words[0] == "onestop", f"not an onestop command: {line}"
            commands.append(words[1:])
    return commands


@pytest.mark.slow
def test_the_readme_walk_through_runs_in_order_on_a_fresh_database(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the README runs from the checkout: `validate bpmn/`
    monkeypatch.delenv("ONESTOP_DATABASE_URL", raising=False)
    url = f"sqlite:///{tmp_path / 'readme.db'}"
    runner = CliRunner()
    outputs: dict[str, str] = {}
    skipped = []
    for args in readme_commands():
        if args[0] in LONG_RUNNING:
            skipped.append(args[0])
            continue
        result = runner.invoke(main, ["--db", url, *args], catch_exceptions=False)
        assert result.exit_code == 0, f"onestop {shlex.join(args)}\n{result.output}{result.stderr}"
        outputs[shlex.join(args[:2])] = result.stdout

    assert sorted(skipped) == sorted(LONG_RUNNING)
    assert outputs["deploy bpmn/"].splitlines() == ["citizen_request 1", "permit_application 1"]
    assert outputs["start citizen_request"].strip() == "1"
    case = json.loads(outputs["case show"])
    assert (case["office"], [t["element_id"] for t in case["open_tasks"]]) == ("waste", ["handle_request"])
    assert outputs["timers run"].strip() == "1 timers fired"
    assert "demo logins" in outputs["demo --cases"]
