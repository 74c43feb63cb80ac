"""Domain errors; the web layer maps each class to an HTTP status once."""


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
        detail = f"cannot {action} a ticket in status '{status}' as role '{role}'"
        super().__init__(f"{detail}: {reason}" if reason else detail)
