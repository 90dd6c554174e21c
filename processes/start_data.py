"""What a client may hand a new case as start data (REST API, CLI): the fields the case table
keeps in its own columns must fit them, so a bad value is a 422, not a database error."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import InvalidFormData

# key -> longest text the column holds (processes/models/cases.py)
COLUMN_FIELDS = {"channel": 16, "office": 64, "category": 64, "citizen_name": 200, "citizen_email": 254,
                 "due_at": 64}


def check_start_data(data: Mapping[str, Any]) -> None:
    """InvalidFormData naming each column field that is not text of a length its column holds."""
    errors = {key: f"{key} must be text of at most {limit} characters"
              for key, limit in COLUMN_FIELDS.items()
              if data.get(key) is not None and (not isinstance(data[key], str) or len(data[key]) > limit)}
    if errors:
        raise InvalidFormData(errors)
