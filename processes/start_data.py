"""What a client may hand a new case as start data (REST API, CLI, portal, Open311): storable JSON values
(processes/json_values.py); the fields the case table keeps in its own columns must fit them, so a bad
value is a 422, not a database error; and what anyone submits must keep the case's data under its size
limit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine import data_problem

from .errors import InvalidFormData
from .json_values import check_case_data
from .routines import Routine
from .runtime import case_data_limit
from .texts import Text

# The routine's field property -> longest text the case column it fills holds (processes/models/cases.py)
COLUMN_FIELDS = {"channel_field": 16, "office_field": 64, "category_field": 64, "citizen_name_field": 200,
                 "citizen_email_field": 254, "due_field": 64}


def column_limits(routine: Routine) -> dict[str, int]:
    """The start data keys kept in the case's own columns, as the routine names them, with their limits."""
    limits: dict[str, int] = {}
    for prop, limit in COLUMN_FIELDS.items():
        key = getattr(routine, prop)
        if key:
            limits[key] = min(limit, limits.get(key, limit))
    return limits


def check_start_data(data: Mapping[str, Any], routine: Routine) -> None:
    """InvalidFormData for a value no database can keep, or naming each column field that is not text of a
    length its column holds."""
    check_case_data(data)
    errors = {key: Text("%(key)s must be text of at most %(n)s characters", key=key, n=limit)
              for key, limit in column_limits(routine).items()
              if data.get(key) is not None and (not isinstance(data[key], str) or len(data[key]) > limit)}
    if errors:
        raise InvalidFormData(errors)
    check_data_size(data)


def check_data_size(data: Mapping[str, Any]) -> None:
    """InvalidFormData naming the field that takes the case's data past its size limit (scripts meet the
    same limit in the sandbox): a person's input is refused before the case holds it."""
    problem = data_problem(data, case_data_limit())
    if problem is not None:
        raise InvalidFormData({problem[0]: problem[1]})
