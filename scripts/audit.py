"""`make audit`: bandit finds no high-severity issue in our code, and no installed package has a known
vulnerability. Exit 1 on a finding, or when the audit could not look at every installed package.

Vulnerabilities are looked up in scripts/advisories.json, advisories in OSV format that the project
keeps (see its "about"): this machine reaches PyPI only as a package index, without its per-version
vulnerability data, and not the OSV service, so pip-audit finds nothing to check against here. Where
PyPI's vulnerability data can be reached, pip-audit runs as well.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SOURCES = ["engine", "processes", "webui"]
ADVISORIES = Path(__file__).with_name("advisories.json")


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    advisory: str
    summary: str
    fixed: str | None


def bandit() -> bool:
    """True when bandit reports no high-severity finding."""
    result = subprocess.run([str(BIN / "bandit"), "-q", "-r", *SOURCES, "--severity-level", "high", "-f", "json"],
                            cwd=ROOT, capture_output=True, text=True, check=False)
    report = json.loads(result.stdout or "{}")
    high = [r for r in report.get("results", []) if r.get("issue_severity") == "HIGH"]
    for finding in high:
        print(f"bandit: {finding['filename']}:{finding['line_number']}: {finding['test_id']} {finding['issue_text']}")
    scanned = report.get("metrics", {}).get("_totals", {}).get("loc", 0)
    print(f"bandit: {len(high)} high-severity findings in {scanned} lines of {', '.join(SOURCES)}")
    return not high and result.returncode in (0, 1)


def installed() -> dict[str, str]:
    """Every distribution in this interpreter's environment: canonical name -> version."""
    return {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions() if d.metadata["Name"]}


def _affects(ranges: Iterable[Mapping[str, Any]], version: Version) -> tuple[bool, str | None]:
    """Whether `version` falls in one of the OSV ECOSYSTEM ranges, and the version that fixed it."""
    for each in ranges:
        if each.get("type") != "ECOSYSTEM":
            continue
        introduced: Version | None = None
        for event in each.get("events", []):
            if "introduced" in event:
                introduced = Version("0") if event["introduced"] == "0" else Version(event["introduced"])
            elif "fixed" in event and introduced is not None:
                if introduced <= version < Version(event["fixed"]):
                    return True, event["fixed"]
                introduced = None
        if introduced is not None and version >= introduced:
            return True, None  # no fix yet
    return False, None


def findings(packages: Mapping[str, str], advisories: Iterable[Mapping[str, Any]]) -> list[Finding]:
    """The advisories that affect the installed `packages` (canonical name -> version)."""
    found = []
    for advisory in advisories:
        for affected in advisory.get("affected", []):
            package = affected.get("package", {})
            name = canonicalize_name(package.get("name", ""))
            if package.get("ecosystem") != "PyPI" or name not in packages:
                continue
            try:
                version = Version(packages[name])
            except InvalidVersion:
                continue
            hit, fixed = _affects(affected.get("ranges", []), version)
            if hit or packages[name] in affected.get("versions", []):
                found.append(Finding(name, packages[name], advisory["id"], advisory.get("summary", ""), fixed))
    return found


def advisory_audit(packages: Mapping[str, str], document: Mapping[str, Any]) -> bool:
    """True when every one of `packages` was compared and none matches an advisory of `document`
    (scripts/advisories.json); an empty environment fails, so the audit cannot pass by auditing nothing."""
    unreadable = sorted(name for name, version in packages.items() if not _is_version(version))
    found = findings(packages, document["vulnerabilities"])
    for finding in found:
        fix = f", fixed in {finding.fixed}" if finding.fixed else ", no fixed version yet"
        print(f"advisories: {finding.package} {finding.version}: {finding.advisory} {finding.summary}{fix}")
    audited = len(packages) - len(unreadable)
    print(f"advisories: {audited} of {len(packages)} installed packages audited against "
          f"{len(document['vulnerabilities'])} advisories (published up to {document['covers_until']}, "
          f"reviewed {document['reviewed']}), {len(found)} findings")
    for name in unreadable:
        print(f"advisories: {name} {packages[name]} NOT AUDITED: its version cannot be compared")
    return bool(packages) and not unreadable and not found


def _is_version(text: str) -> bool:
    try:
        Version(text)
    except InvalidVersion:
        return False
    return True


def pypi_vulnerability_data() -> bool:
    """Whether PyPI's per-version JSON (where pip-audit reads vulnerabilities) answers from here."""
    try:
        urllib.request.urlopen(f"https://pypi.org/pypi/pip/{metadata.version('pip')}/json", timeout=15)
    except OSError:
        return False
    return True


def pip_audit() -> bool:
    """pip-audit against PyPI's live vulnerability data; True when none is found or the data is unreachable."""
    if not pypi_vulnerability_data():
        print("pip-audit: skipped, PyPI's per-version vulnerability data is not served to this machine "
              "(the advisories above are the audit)")
        return True
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        result = subprocess.run([str(BIN / "pip-audit"), "--progress-spinner", "off", "--local", "--skip-editable",
                                 "--format", "json", "--output", out.name], capture_output=True, text=True,
                                check=False)
        raw = Path(out.name).read_text() or "{}"
    dependencies = json.loads(raw).get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    for dep in vulnerable:
        print(f"pip-audit: {dep['name']} {dep['version']}: {', '.join(v['id'] for v in dep['vulns'])}")
    print(f"pip-audit: {len(dependencies) - len(skipped)} packages audited, {len(vulnerable)} vulnerable, "
          f"{len(skipped)} not audited")
    if result.returncode not in (0, 1) or not dependencies:
        print(f"pip-audit failed: {result.stderr.strip()}")
        return False
    return not vulnerable


def main() -> int:
    ok = bandit()
    ok = advisory_audit(installed(), json.loads(ADVISORIES.read_text())) and ok
    ok = pip_audit() and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
