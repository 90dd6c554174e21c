"""Every model, importable from one place: `from processes.models import Case, Task`."""

from .base import Base, UTCDateTime
from .cases import CASE_STATUSES, Article, Case
from .events import Event
from .outbox import OUTBOX_STATES, OutboxMessage
from .tasks import TASK_STATUSES, Task
from .timers import TIMER_STATES, Timer
from .users import GROUP_KINDS, ROLES, ApiKey, Group, Membership, User
from .versions import FILE_KINDS, VERSION_STATUSES, ProcessFile, ProcessVersion

__all__ = [
    "CASE_STATUSES",
    "FILE_KINDS",
    "GROUP_KINDS",
    "OUTBOX_STATES",
    "ROLES",
    "TASK_STATUSES",
    "TIMER_STATES",
    "VERSION_STATUSES",
    "ApiKey",
    "Article",
    "Base",
    "Case",
    "Event",
    "Group",
    "Membership",
    "OutboxMessage",
    "ProcessFile",
    "ProcessVersion",
    "Task",
    "Timer",
    "UTCDateTime",
    "User",
]
