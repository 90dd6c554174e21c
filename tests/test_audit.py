"""`make audit` really audits: every installed package is compared with the advisories the project keeps,
and a known-vulnerable version is flagged."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from packaging.version import Version

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "audit.py"


@pytest.fixture(scope="module")
def audit() -> ModuleType:
    spec = importlib.util.spec_from_file_location("onestop_audit_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def advisories(audit: ModuleType) -> dict[str, Any]:
    return json.loads(audit.ADVISORIES.read_text())


def test_a_known_vulnerable_version_is_flagged_and_a_fixed_one_is_not(
    audit: ModuleType, advisories: dict[str, Any]
) -> None:
    old = audit.findings({"setuptools": "65.5.0", "werkzeug": "3.0.2"}, advisories["vulnerabilities"])
    assert {(f.package, f.advisory, f.fixed) for f in old} >= {
        ("setuptools", "CVE-2024-6345", "70.0.0"), ("werkzeug", "CVE-2024-34069", "3.0.3")}
    assert audit.findings({"setuptools": "80.0.0", "werkzeug": "3.1.9"}, advisories["vulnerabilities"]) == []
    # a range that starts later does not reach back: Flask's fallback-key advisory is for 3.1.0 only
    assert not audit.findings({"flask": "3.0.3"}, [a for a in advisories["vulnerabilities"]
                                                   if a["id"] == "CVE-2025-47278"])


def test_the_audit_fails_on_a_finding_on_nothing_audited_and_on_an_unreadable_version(
    audit: ModuleType, advisories: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert audit.advisory_audit({"flask": "3.1.3"}, advisories) is True
    assert audit.advisory_audit({"setuptools": "65.5.0"}, advisories) is False
    assert audit.advisory_audit({}, advisories) is False
    assert audit.advisory_audit({"flask": "3.1.3", "oddity": "not a version"}, advisories) is False
    assert "oddity not a version NOT AUDITED" in capsys.readouterr().out


def test_every_installed_package_is_audited(audit: ModuleType) -> None:
    listed = json.loads(subprocess.run([sys.executable, "-m", "pip", "list", "--format", "json"],
                                       capture_output=True, text=True, check=True).stdout)
    assert len(audit.installed()) == len(listed) > 50


def test_the_advisory_file_is_well_formed(advisories: dict[str, Any]) -> None:
    assert advisories["reviewed"] and advisories["covers_until"]
    for advisory in advisories["vulnerabilities"]:
        assert advisory["id"].startswith(("CVE-", "GHSA-", "PYSEC-")) and advisory["summary"]
        for affected in advisory["affected"]:
            assert affected["package"]["ecosystem"] == "PyPI"
            for each in affected["ranges"]:
                for event in each["events"]:
                    Version(next(iter(event.values())))
