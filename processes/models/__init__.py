"""Every model, importable from one place: `from processes.models import Case, Task`."""

from .base import Base, UTCDateTime
from .cases import CASE_STATUSES, Article, Case
from .drafts import ProcessDraft
from .events import STEP_EVENT, Event
from .lanes import LaneMapping
from .logins import LoginFailures
from .outbox import OUTBOX_STATES, OutboxMessage
from .portal import Attachment, SurveyResponse
from .tasks import TASK_STATUSES, Task
from .timers import TIMER_STATES, UNFIRED_TIMER_STATES, Timer
from .users import CSU_KIND, GROUP_KINDS, OFFICE_KIND, ROLES, ApiKey, Group, Membership, User
from .versions import FILE_KINDS, VERSION_STATUSES, ProcessFile, ProcessVersion
from .waits import DELIVERABLE_KINDS, CaseWait

__all__ = [
    "CASE_STATUSES",
    "DELIVERABLE_KINDS",
    "FILE_KINDS",
    "CSU_KIND",
    "GROUP_KINDS",
    "OFFICE_KIND",
    "OUTBOX_STATES",
    "ROLES",
    "STEP_EVENT",
    "TASK_STATUSES",
    "TIMER_STATES",
    "UNFIRED_TIMER_STATES",
    "VERSION_STATUSES",
    "ApiKey",
    "Article",
    "Attachment",
    "Base",
    "Case",
    "CaseWait",
    "Event",
    "Group",
    "LaneMapping",
    "LoginFailures",
    "Membership",
    "OutboxMessage",
    "ProcessDraft",
    "ProcessFile",
    "ProcessVersion",
    "SurveyResponse",
    "Task",
    "Timer",
    "UTCDateTime",
    "User",
]
