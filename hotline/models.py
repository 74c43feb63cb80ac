"""Every table model, imported in one place so metadata and migrations see them all."""

from hotline.audit.models import AuditEntry
from hotline.calls.models import Call, Seat, TransferTarget
from hotline.categories.models import Category
from hotline.knowledge.models import Article
from hotline.partners.models import ApiKey
from hotline.privacy.models import ConsentRecord
from hotline.sla.models import HolidayOverride, TimeLimitPolicy
from hotline.tickets.models import (
    Assignment,
    CallbackRecord,
    ExtensionRequest,
    ReturnRecord,
    Supervision,
    Ticket,
    TicketCounter,
)
from hotline.timeline.models import TicketEvent
from hotline.units.models import Unit
from hotline.users.models import User

__all__ = [
    "ApiKey",
    "Article",
    "Assignment",
    "AuditEntry",
    "Call",
    "CallbackRecord",
    "Category",
    "ConsentRecord",
    "ExtensionRequest",
    "HolidayOverride",
    "ReturnRecord",
    "Seat",
    "Supervision",
    "Ticket",
    "TicketCounter",
    "TicketEvent",
    "TimeLimitPolicy",
    "TransferTarget",
    "Unit",
    "User",
]
