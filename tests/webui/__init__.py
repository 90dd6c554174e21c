"""The web layer's tests.

pytest imports this folder as the package `webui` (tests/ has no __init__.py), which hides the real
one; so `webui.cli` and the like are looked up in the real package's folder too, the one next to
tests/. Without this line an installed copy (an editable install of another checkout) would answer."""

from pathlib import Path

__path__.append(str(Path(__file__).resolve().parents[2] / "webui"))
