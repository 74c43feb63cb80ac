"""Domain errors; the web layer maps each class to an HTTP status once."""

from typing import TYPE_CHECKING, Final

from hotline import names

if TYPE_CHECKING:
    from hotline.ports import ReplyVerdict


class DomainError(Exception):
    """Base of every error the core raises on purpose."""


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible to the caller)."""


class Conflict(DomainError):
    """The request is well formed but clashes with the current state."""


class InvalidInput(DomainError):
    """The input is malformed: empty, too long, not text, an unknown reference."""


class Unavailable(DomainError):
    """Something the request needs outside this system (the phone system) cannot be reached now."""


class PermissionDenied(DomainError):
    """The actor's role or unit may not do this."""


class InvalidTransition(DomainError):
    """A lifecycle move that the transition table does not allow."""

    def __init__(self, *, status: str, action: str, role: str, reason: str = "") -> None:
        self.status = status
        self.action = action
        self.role = role
        # The codes stay on the attributes; the message names them as the user knows them.
        detail = (
            f"当前状态为{names.name(names.STATUS, status)}，"
            f"{names.name(names.ROLE, role)}不能{names.name(names.ACTION, action)}"
        )
        super().__init__(f"{detail}（{reason}）" if reason else detail)


# What each issue of the 答非所问 check means, as the unit and the dispatcher read it.
REPLY_ISSUES: Final = {
    "off_topic": "与诉求内容关联度低，可能答非所问",
    "no_action": "未写明具体办理措施、时间或结果",
    "boilerplate": "多为套话",
    "too_short": "内容过短",
}


class ReplyNeedsConfirmation(Conflict):
    """The 答非所问 check found the reply weak; the unit may mend it, or confirm it as it is."""

    def __init__(self, verdict: "ReplyVerdict") -> None:
        self.verdict = verdict
        found = "；".join(REPLY_ISSUES.get(i, i) for i in verdict.issues) or "答复质量较低"
        super().__init__(f"答复质量提示：{found}。请补充后再提交，或确认无误后选择“仍然提交”。")
