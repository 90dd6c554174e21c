"""What the dashboard counts about a request, kept on its case row as the case moves.

The projection (processes/projection.py) notes these at every step, and the demo history writer
(processes/demo_history.py) writes the same values, so processes/metrics*.py count cases without
reading JSON or searching the event log:
  - from the intake data: resolved on first contact, the knowledge-base article used (the fields
    the routine names first_contact_field and kb_article_field);
  - the answer: when an office completed a task whose `answered_when` expression (set on the task in
    the modeler, see docs/routines.md) holds for the data it sent, and which office that was. That is
    when the answer goes to the citizen; after a misroute it is not the first office. The first answer
    counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .models import Case, Task
from .routines import Routine


def intake_facts(routine: Routine, data: Mapping[str, Any]) -> tuple[bool, str | None]:
    """(resolved on first contact, knowledge-base article) for the case columns, from the case data: the
    fields the routine names `first_contact_field` and `kb_article_field` (neither: (False, None))."""
    article = routine.text(data, routine.kb_article_field)
    return routine.value(data, routine.first_contact_field) is True, None if article is None else article[:200]


def note_case_facts(routine: Routine, case: Case, data: Mapping[str, Any], source: Task | None,
                    now: datetime) -> None:
    """Copy the facts above onto `case`; `source` is the task whose completion led to this step."""
    case.resolved_on_first_contact, case.kb_article = intake_facts(routine, data)
    if source is not None and case.answered_at is None and routine.is_answer(source.element_id, source.form_data):
        case.answered_at, case.answered_by = now, source.group_name
