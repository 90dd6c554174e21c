"""Values a hostile client sends, as JSON text (what reaches the server) and the rule each breaks.

Python's json module writes and reads every one of them without complaint, which is how they used to
reach the database: NaN as text SQLite cannot read back, the rest as PostgreSQL errors."""

from __future__ import annotations

DEEP = 5_000

# name -> a JSON value as text
BAD_VALUES: dict[str, str] = {
    "NaN": "NaN",
    "Infinity": "Infinity",
    "-Infinity": "-Infinity",
    "overflowing float": "1e999",
    "lone high surrogate": '"\\ud800"',
    "lone low surrogate": '"a\\udc00b"',
    "surrogate in a key": '{"\\ud800": 1}',
    "NUL escape": '"a\\u0000b"',
    "NUL in a key": '{"a\\u0000": 1}',
    "nested 5,000 deep": "[" * DEEP + "]" * DEEP,
    "objects nested 5,000 deep": '{"a": ' * DEEP + "1" + "}" * DEEP,
    "nested 70 deep": "[" * 70 + "]" * 70,
    "integer past 64 bits": "9" * 30,
    "negative integer past 64 bits": "-" + "9" * 30,
    "2**64": str(2**64),
}

# Ids as text that no row can have: past PostgreSQL's INTEGER, past 64 bits, not ASCII digits.
HUGE_IDS = ("2147483648", str(2**63), "9" * 30)
ODD_IDS = ("-1", "0", "1e3", "٣", "²", "1_000", "1 2", "0x10")


def case_body(value: str) -> str:
    """A POST /api/cases body whose start data carries `value`."""
    return '{"process_key": "citizen_request", "data": {"channel": "phone", "x": ' + value + "}}"
