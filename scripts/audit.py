"""`make audit`: bandit finds no high-severity issue in our code, pip-audit no known vulnerability in
the installed packages. Exit 1 on a finding.

pip-audit asks PyPI's vulnerability data for each installed version. Where PyPI cannot be reached the
audit says so and skips that half (the registry being down must not fail a build); packages whose
version PyPI does not know are listed as not audited, since no vulnerability can be looked up for them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SOURCES = ["engine", "processes", "webui"]


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


def pypi_reachable() -> bool:
    try:
        urllib.request.urlopen("https://pypi.org/pypi/pip/json", timeout=15)
    except OSError:
        return False
    return True


def pip_audit() -> bool:
    """True when no installed package has a known vulnerability (or PyPI cannot be asked)."""
    if not pypi_reachable():
        print("pip-audit: SKIPPED, PyPI's vulnerability service cannot be reached from this machine")
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
        ids = ", ".join(v["id"] for v in dep["vulns"])
        print(f"pip-audit: {dep['name']} {dep['version']}: {ids}")
    print(f"pip-audit: {len(dependencies) - len(skipped)} packages audited, {len(vulnerable)} vulnerable, "
          f"{len(skipped)} not audited (version unknown to PyPI)")
    if result.returncode not in (0, 1) or not dependencies:
        print(f"pip-audit failed: {result.stderr.strip()}")
        return False
    return not vulnerable


def main() -> int:
    ok = bandit()
    ok = pip_audit() and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
