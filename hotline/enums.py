"""The core's vocabulary. Values are stable strings stored in the database."""

from enum import StrEnum


class Role(StrEnum):
    OPERATOR = "operator"
    DISPATCHER = "dispatcher"
    UNIT = "unit"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    CHANNEL = "channel"  # the web form, the mailbox and the Open311 API acting on their own
    SYSTEM = "system"  # the core itself, e.g. a merged ticket following its master


class UnitKind(StrEnum):
    DEPARTMENT = "department"
    DISTRICT = "district"
    STREET = "street"
    UTILITY = "utility"
    EXPERT = "expert"


class Channel(StrEnum):
    PHONE = "phone"
    WEB = "web"
    MAILBOX = "mailbox"
    API = "api"


class Nature(StrEnum):
    CONSULTATION = "consultation"  # 咨询
    HELP = "help"  # 求助
    COMPLAINT = "complaint"  # 投诉
    REPORT = "report"  # 举报
    SUGGESTION = "suggestion"  # 建议
    PRAISE = "praise"  # 表扬
    OTHER = "other"  # 其他


class Urgency(StrEnum):
    NORMAL = "normal"  # 一般
    URGENT = "urgent"  # 紧急
    CRITICAL = "critical"  # 特急


class TicketStatus(StrEnum):
    DRAFT = "draft"
    DISPATCHED = "dispatched"
    HANDLING = "handling"
    RETURNED = "returned"
    REPLIED = "replied"
    CLOSED = "closed"
    REJECTED = "rejected"
    MERGED = "merged"


OPEN_STATUSES: frozenset[TicketStatus] = frozenset(
    {
        TicketStatus.DRAFT,
        TicketStatus.DISPATCHED,
        TicketStatus.HANDLING,
        TicketStatus.RETURNED,
        TicketStatus.REPLIED,
    }
)


class Action(StrEnum):
    CREATE = "create"
    CLOSE_ON_SPOT = "close_on_spot"  # 即问即答 / 直接办结
    REJECT = "reject"  # 不予受理
    MERGE = "merge"  # 并案
    DISPATCH = "dispatch"  # 派单
    SIGN = "sign"  # 签收
    RETURN = "return"  # 退单
    REDISPATCH = "redispatch"  # 改派
    OVERRULE_RETURN = "overrule_return"  # 退单不予认可, back to the same unit
    REQUEST_EXTENSION = "request_extension"
    APPROVE_EXTENSION = "approve_extension"
    DENY_EXTENSION = "deny_extension"
    CONTACT = "contact"  # the unit reached the citizen (响应)
    REPLY = "reply"  # 办理结果
    CALLBACK_SATISFIED = "callback_satisfied"
    CALLBACK_UNSATISFIED = "callback_unsatisfied"  # → 重办
    CALLBACK_ATTEMPT_FAILED = "callback_attempt_failed"
    CALLBACK_UNREACHABLE = "callback_unreachable"  # third try on a third day: closed unrated
    CLOSE_WITHOUT_CALLBACK = "close_without_callback"  # the caller declined a callback: closed unrated
    SUPERVISE = "supervise"  # 督办
    RESOLVE_SUPERVISION = "resolve_supervision"
    FOLLOW_MASTER = "follow_master"  # a merged ticket's caller is due a callback
    COMMENT = "comment"


class RejectReason(StrEnum):
    EMERGENCY = "emergency"  # → 110/119/120/122
    OUT_OF_SCOPE = "out_of_scope"
    HARASSMENT = "harassment"  # repeated harassing calls
    NO_CONTENT = "no_content"


class AssignmentRole(StrEnum):
    LEAD = "lead"  # 主办
    CO = "co"  # 协办


class Satisfaction(StrEnum):
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    UNSATISFIED = "unsatisfied"


class RequestState(StrEnum):
    """State of an extension request or a return awaiting the dispatcher."""

    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"


class Card(StrEnum):
    NONE = "none"
    YELLOW = "yellow"
    RED = "red"


class LimitUnit(StrEnum):
    MINUTES = "minutes"  # natural minutes, around the clock
    HOURS = "hours"  # natural hours, around the clock
    WORKING_DAYS = "working_days"


class Stage(StrEnum):
    SIGN = "sign"
    HANDLE = "handle"
    CALLBACK = "callback"
    SUPERVISION = "supervision"


class SeatState(StrEnum):
    OFFLINE = "offline"
    READY = "ready"
    RINGING = "ringing"
    TALKING = "talking"
    WRAP_UP = "wrap_up"
    PAUSED = "paused"


class CallOutcome(StrEnum):
    WAITING = "waiting"  # in the queue now
    RINGING = "ringing"  # offered to a seat now
    TALKING = "talking"
    ANSWERED = "answered"
    ABANDONED = "abandoned"
    SHORT_ABANDON = "short_abandon"
    TRANSFERRED = "transferred"
    DIALLING = "dialling"  # a call the hotline placed (callback): the seat or the citizen rings
    NO_ANSWER = "no_answer"  # a placed call nobody answered (seat or citizen)


class CallDirection(StrEnum):
    INBOUND = "inbound"  # a citizen rang 12345 (through the queue)
    OUTBOUND = "outbound"  # the hotline rang a citizen from a seat (callback, 回访, 漏接回拨)


class WorklistState(StrEnum):
    """漏接回拨: a missed caller waiting for the hotline to ring back."""

    NONE = "none"
    PENDING = "pending"
    DONE = "done"
