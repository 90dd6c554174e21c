"""The process-wide pieces every operation shares: the engine and the parsed-spec cache."""

from __future__ import annotations

import os
from collections import OrderedDict
from functools import lru_cache
from threading import Lock

from engine import Engine, ProcessBundle, load_bundle

from .calendar import WorkingCalendar
from .models import ProcessVersion

_BUNDLE_CACHE_SIZE = 64
_bundles: OrderedDict[str, ProcessBundle] = OrderedDict()
_bundles_lock = Lock()


def bundle_for(version: ProcessVersion) -> ProcessBundle:
    """The parsed specs of a deployed version, parsed once per process and version."""
    cache_key = f"{version.key}:{version.content_hash}"
    with _bundles_lock:
        bundle = _bundles.get(cache_key)
        if bundle is not None:
            _bundles.move_to_end(cache_key)
            return bundle
    bundle = load_bundle({f.name: f.content for f in version.files}, key=version.key)
    with _bundles_lock:
        _bundles[cache_key] = bundle
        while len(_bundles) > _BUNDLE_CACHE_SIZE:
            _bundles.popitem(last=False)
    return bundle


def clear_bundle_cache() -> None:
    """Forget every parsed spec: the next step of any case parses its version's files again.

    The conformance tests call it between steps, so that every step restores its case from the
    database alone, as a fresh process (the CLI, another web worker) would."""
    with _bundles_lock:
        _bundles.clear()


@lru_cache(maxsize=1)
def engine() -> Engine:
    """The engine with the sandbox's limits: a script's time (ONESTOP_SCRIPT_TIME_LIMIT, seconds), how much
    the process may grow while it runs (ONESTOP_SCRIPT_MEMORY_MB) and a case's data (ONESTOP_CASE_DATA_KB)."""
    return Engine(time_limit=float(os.environ.get("ONESTOP_SCRIPT_TIME_LIMIT", "1.0")),
                  memory_limit=int(os.environ.get("ONESTOP_SCRIPT_MEMORY_MB", "64")) * 1024 * 1024,
                  data_limit=case_data_limit())


def case_data_limit() -> int:
    """The most a case's data may hold, as JSON bytes (ONESTOP_CASE_DATA_KB, default 1024)."""
    return int(os.environ.get("ONESTOP_CASE_DATA_KB", "1024")) * 1024


@lru_cache(maxsize=4)
def calendar() -> WorkingCalendar:
    """The municipality's working-day calendar (ONESTOP_HOLIDAYS_COUNTRY, default Sweden)."""
    return WorkingCalendar(
        country=os.environ.get("ONESTOP_HOLIDAYS_COUNTRY", "SE"),
        tz=os.environ.get("ONESTOP_TIMEZONE", "Europe/Stockholm"),
    )
