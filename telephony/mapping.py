"""AMI messages → the core's ``CallEvent`` vocabulary, by a table keyed on the event name.

``map_message`` does no I/O and reads no clock: what it needs beyond the message is handed to
it: the correlation state (``Correlation``, which connected call is on which seat) and the time
to use when a message carries no ``Timestamp``. The call id is ``Linkedid``.

AgentComplete does not always carry both channel snapshots (under load, and after a Redirect
it may carry only the operator's ``Dest*`` headers, only the caller's, or neither), so it is
matched to its AgentConnect by Linkedid, then either Uniqueid, then ``Queue`` + ``Interface``.
"""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from hotline.calls.events import CallEvent, CallEventKind
from hotline.enums import SeatState
from telephony.protocol import AmiMessage

log = logging.getLogger(__name__)

K = CallEventKind
_UNKNOWN = frozenset({"", "<unknown>", "unknown", "anonymous", "<anonymous>"})
# Calls this system places (click-to-call) get a ChannelId, hence a Linkedid, with this prefix:
# that is how the mapping tells a callback's legs from a citizen's queue call.
CALLBACK_PREFIX = "cb-"
_CHANNEL_SUFFIX = re.compile(r"-[0-9a-fA-F]{8}(?:;\d)?$")

# QueueMemberStatus.Status is an ast_device_state. Local-channel members report 2 (in use)
# while they ring; the core keeps a ringing seat ringing until it is answered.
DEVICE_STATES: dict[str, SeatState] = {
    "1": SeatState.READY,  # not in use
    "2": SeatState.TALKING,  # in use
    "3": SeatState.TALKING,  # busy
    "4": SeatState.OFFLINE,  # invalid
    "5": SeatState.OFFLINE,  # unavailable
    "6": SeatState.RINGING,  # ringing
    "7": SeatState.TALKING,  # ring in use
    "8": SeatState.TALKING,  # on hold
}


def channel_base(channel: str) -> str:
    """``Local/1001@agents-0000002c;1`` → ``Local/1001@agents``; ``PJSIP/1001-00000012`` → ``PJSIP/1001``."""
    return _CHANNEL_SUFFIX.sub("", channel)


def caller_value(value: str) -> str:
    return "" if value.strip().lower() in _UNKNOWN else value.strip()


@dataclass(slots=True)
class LiveCall:
    """A queue call answered by a seat and not yet complete: what control and AgentComplete need."""

    linkedid: str
    queue: str
    interface: str
    member_name: str = ""
    caller_uniqueid: str = ""
    caller_channel: str = ""
    seat_uniqueid: str = ""
    seat_channel: str = ""
    caller_number: str = ""
    caller_name: str = ""
    transferred: bool = False


@dataclass
class Correlation:
    """What the mapping remembers between messages; bounded by live calls."""

    calls: dict[str, LiveCall] = field(default_factory=dict)
    by_seat: dict[tuple[str, str], str] = field(default_factory=dict)
    by_uniqueid: dict[str, str] = field(default_factory=dict)

    def connect(self, call: LiveCall) -> None:
        self.forget(call.linkedid)
        self.calls[call.linkedid] = call
        self.by_seat[(call.queue, call.interface)] = call.linkedid
        for uid in (call.caller_uniqueid, call.seat_uniqueid):
            if uid:
                self.by_uniqueid[uid] = call.linkedid

    def forget(self, linkedid: str) -> LiveCall | None:
        call = self.calls.pop(linkedid, None)
        if call is None:
            return None
        if self.by_seat.get((call.queue, call.interface)) == linkedid:
            del self.by_seat[(call.queue, call.interface)]
        for uid in (call.caller_uniqueid, call.seat_uniqueid):
            if self.by_uniqueid.get(uid) == linkedid:
                del self.by_uniqueid[uid]
        return call

    def find(self, msg: AmiMessage) -> LiveCall | None:
        """The connected call an AgentComplete (or similar) message belongs to."""
        for key in ("Linkedid", "DestLinkedid"):
            linkedid = msg.get(key)
            if linkedid and linkedid in self.calls:
                return self.calls[linkedid]
        for key in ("Uniqueid", "DestUniqueid"):
            linkedid = self.by_uniqueid.get(msg.get(key), "")
            if linkedid:
                return self.calls[linkedid]
        linkedid = self.by_seat.get((msg.get("Queue"), msg.get("Interface")), "")
        return self.calls.get(linkedid) if linkedid else None


Handler = Callable[[AmiMessage, Correlation, datetime], tuple[CallEvent, ...]]


def _at(msg: AmiMessage, now: datetime) -> datetime:
    return msg.timestamp() or now


def _seconds(value: str) -> float | None:
    try:
        return float(value) if value.strip() else None
    except ValueError:
        return None


def _source(msg: AmiMessage) -> str:
    who = msg.get("Uniqueid") or msg.get("DestUniqueid") or msg.get("Interface")
    return f"{msg.name}:{who}:{msg.get('Timestamp')}"


def _caller(msg: AmiMessage) -> dict[str, str]:
    return {
        "caller_number": caller_value(msg.get("CallerIDNum")),
        "caller_name": caller_value(msg.get("CallerIDName")),
    }


def _queued(msg: AmiMessage, corr: Correlation, now: datetime) -> tuple[CallEvent, ...]:
    return (
        CallEvent(
            kind=K.QUEUED,
            at=_at(msg, now),
            linkedid=msg.get("Linkedid"),
            queue=msg.get("Queue"),
            source_id=_source(msg),
            **_caller(msg),
        ),
    )


def _agent_called(msg: AmiMessage, corr: Correlation, now: datetime) -> tuple[CallEvent, ...]:
    return (
        CallEvent(
            kind=K.SEAT_RINGING,
            at=_at(msg, now),
            linkedid=msg.get("Linkedid") or msg.get("DestLinkedid"),
            queue=msg.get("Queue"),
            interface=msg.get("Interface"),
            member_name=msg.get("MemberName"),
            source_id=_source(msg),
            **_caller(msg),
        ),
    )


def _agent_connect(msg: AmiMessage, corr: Correlation, now: datetime) -> tuple[CallEvent, ...]:
    linkedid = msg.get("Linkedid") or msg.get("DestLinkedid")
    call = LiveCall(
        linkedid=linkedid,
        queue=msg.get("Queue"),
        interface=msg.get("Interface"),
        member_name=msg.get("MemberName"),
        caller_uniqueid=msg.get("Uniqueid"),
        caller_channel=msg.get("Channel"),
        seat_uniqueid=msg.get("DestUniqueid"),
        seat_channel=msg.get("DestChannel"),
        caller_number=caller_value(msg.get("CallerIDNum")),
        caller_name=caller_value(msg.get("CallerIDName")),
    )
    corr.connect(call)
    return (
        CallEvent(
            kind=K.ANSWERED,
            at=_at(msg, now),
            linkedid=linkedid,
            queue=call.queue,
            interface=call.interface,
            member_name=call.member_name,
            hold_s=_seconds(msg.get("HoldTime")),
            ring_s=_seconds(msg.get("RingTime")),
            source_id=_source(msg),
            caller_number=call.caller_number,
            caller_name=call.caller_name,
        ),
    )


def _agent_complete(msg: AmiMessage, corr: Correlation, now: datetime) -> tuple[CallEvent, ...]:
    call = corr.find(msg)
    linkedid = call.linkedid if call else (msg.get("Linkedid") or msg.get("DestLinkedid"))
    if not linkedid:
        log.warning(
            "AgentComplete for %s on queue %s matches no AgentConnect; ignored",
            msg.get("Interface"),
            msg.get("Queue"),
        )
        return ()
    if call is not None:
        corr.forget(call.linkedid)
    reason = msg.get("Reason")
    at = _at(msg, now)
    common = {
        "at": at,
        "linkedid": linkedid,
        "queue": msg.get("Queue"),
        "interface": msg.get("Interface"),
        "member_name": msg.get("MemberName"),
        "caller_number": caller_value(msg.get("CallerIDNum")) or (call.caller_number if call else ""),
        "caller_name": caller_value(msg.get("CallerIDName")) or (call.caller_name if call else ""),
    }
    events: list[CallEvent] = []
    if reason == "transfer" and not (call and call.transferred):
        events.append(CallEvent(kind=K.TRANSFERRED, source_id=_source(msg) + ":transfer", **common))
    events.append(
        CallEvent(
            kind=K.COMPLETED,
            hold_s=_seconds(msg.get("HoldTime")),
            talk_s=_seconds(msg.get("TalkTime")),
            reason=reason,
            source_id=_source(msg),
            **common,
        )
    )
    return tuple(events)


def _abandon(msg: AmiMessage, corr: Correlation, now: datetime) -> tuple[CallEvent, ...]:
    return (
        CallEvent(
            kind=K.ABANDONED,
            at=_at(msg, now),
            linkedid=msg.get("Linkedid"),
            queue=msg.get("Queue"),
            hold_s=_seconds(msg.get("HoldTime")),
            reason=f"position {msg.get('Position')} of {msg.get('OriginalPosition')}",
            source_id=_source(msg),
            **_caller(msg),
        ),
    )


def _transferred(
    call: LiveCall, *, at: datetime, target: str, reason: str, source: str
) -> tuple[CallEvent, ...]:
    call.transferred = reason != "threeway"
    return (
        CallEvent(
            kind=K.TRANSFERRED,
            at=at,
            linkedid=call.linkedid,
            queue=call.queue,
            interface=call.interface,
            member_name=call.member_name,
            caller_number=call.caller_number,
            caller_name=call.caller_name,
            target=target,
            reason=reason,
            source_id=source,
        ),
    )


def _blind_transfer(msg: AmiMessage, corr: Correlation, now: datetime) -> tuple[CallEvent, ...]:
    if msg.get("Result", "Success") != "Success":
        return ()
    linkedid = msg.get("TransfereeLinkedid") or msg.get("TransfererLinkedid")
    call = corr.calls.get(linkedid) or corr.calls.get(
        corr.by_uniqueid.get(msg.get("TransfererUniqueid"))
        or corr.by_uniqueid.get(msg.get("TransfereeUniqueid"), ""),
        None,
    )
    if call is None:
        return ()
    target = "@".join(part for part in (msg.get("Extension"), msg.get("Context")) if part)
    return _transferred(call, at=_at(msg, now), target=target, reason="blind", source=_source(msg))


def _attended_transfer(msg: AmiMessage, corr: Correlation, now: datetime) -> tuple[CallEvent, ...]:
    if msg.get("Result", "Success") != "Success":
        return ()
    call = None
    for key in ("OrigTransfererLinkedid", "SecondTransfererLinkedid", "TransfereeLinkedid"):
        call = corr.calls.get(msg.get(key))
        if call is not None:
            break
    if call is None:
        for key in ("OrigTransfererUniqueid", "TransfereeUniqueid"):
            linkedid = corr.by_uniqueid.get(msg.get(key), "")
            if linkedid:
                call = corr.calls[linkedid]
                break
    if call is None:
        return ()
    threeway = msg.get("DestType").lower() == "threeway"
    target = caller_value(msg.get("SecondTransfererConnectedLineNum")) or channel_base(
        msg.get("TransferTargetChannel") or msg.get("SecondTransfererChannel")
    )
    return _transferred(
        call,
        at=_at(msg, now),
        target=target,
        reason="threeway" if threeway else "attended",
        source=_source(msg),
    )


def _dial_begin(msg: AmiMessage, corr: Correlation, now: datetime) -> tuple[CallEvent, ...]:
    # After a Redirect the caller's leg leaves the operator and dials on (pitfall 5): the queue
    # call goes on until the caller hangs up, but the operator's part ended here.
    uniqueid = msg.get("Uniqueid")
    linkedid = corr.by_uniqueid.get(uniqueid) if uniqueid else None
    if not linkedid:
        return ()
    call = corr.calls[linkedid]
    if call.transferred or uniqueid != call.caller_uniqueid or msg.get("DestUniqueid") == call.seat_uniqueid:
        return ()
    target = msg.get("DialString") or channel_base(msg.get("DestChannel"))
    return _transferred(call, at=_at(msg, now), target=target, reason="redirect", source=_source(msg))


def _dial_end(msg: AmiMessage, corr: Correlation, now: datetime) -> tuple[CallEvent, ...]:
    """A call placed from a seat: the citizen picked up (the seat's first channel dialled them)."""
    uniqueid, linkedid = msg.get("Uniqueid"), msg.get("Linkedid")
    if not linkedid.startswith(CALLBACK_PREFIX) or uniqueid != linkedid or msg.get("DialStatus") != "ANSWER":
        return ()
    call = LiveCall(
        linkedid=linkedid,
        queue="",
        interface=channel_base(msg.get("Channel")),
        caller_uniqueid=msg.get("DestUniqueid"),
        caller_channel=msg.get("DestChannel"),
        seat_uniqueid=uniqueid,
        seat_channel=msg.get("Channel"),
        caller_number=caller_value(msg.get("DestCallerIDNum")),
    )
    corr.connect(call)
    return (
        CallEvent(
            kind=K.ANSWERED,
            at=_at(msg, now),
            linkedid=linkedid,
            interface=call.interface,
            source_id=_source(msg),
        ),
    )


def _hangup(msg: AmiMessage, corr: Correlation, now: datetime) -> tuple[CallEvent, ...]:
    uniqueid, linkedid = msg.get("Uniqueid"), msg.get("Linkedid")
    if not linkedid or uniqueid != linkedid:
        return ()  # only the call's first channel ending ends the call
    corr.forget(linkedid)
    return (
        CallEvent(
            kind=K.HUNG_UP,
            at=_at(msg, now),
            linkedid=linkedid,
            reason=msg.get("Cause-txt") or msg.get("Cause"),
            source_id=_source(msg),
            **_caller(msg),
        ),
    )


def _member(kind: CallEventKind, msg: AmiMessage, at: datetime, **extra: str) -> CallEvent:
    return CallEvent(
        kind=kind,
        at=at,
        queue=msg.get("Queue"),
        interface=msg.get("Interface") or msg.get("Location"),
        member_name=msg.get("MemberName") or msg.get("Name"),
        source_id=f"{msg.name}:{msg.get('Interface')}:{msg.get('Timestamp')}",
        **extra,
    )


def _pause_event(msg: AmiMessage, at: datetime) -> CallEvent:
    if msg.get("Paused") == "1":
        return _member(K.SEAT_PAUSED, msg, at, reason=msg.get("PausedReason"))
    return _member(K.SEAT_UNPAUSED, msg, at)


def _member_added(msg: AmiMessage, corr: Correlation, now: datetime) -> tuple[CallEvent, ...]:
    at = _at(msg, now)
    events = [_member(K.SEAT_ADDED, msg, at)]
    if msg.get("Paused") == "1":
        events.append(_pause_event(msg, at))
    state = DEVICE_STATES.get(msg.get("Status"))
    if state is not None and state is not SeatState.READY:
        events.append(_member(K.SEAT_STATE, msg, at, seat_state=state.value))
    return tuple(events)


def _member_removed(msg: AmiMessage, corr: Correlation, now: datetime) -> tuple[CallEvent, ...]:
    return (_member(K.SEAT_REMOVED, msg, _at(msg, now)),)


def _member_pause(msg: AmiMessage, corr: Correlation, now: datetime) -> tuple[CallEvent, ...]:
    return (_pause_event(msg, _at(msg, now)),)


def _member_status(msg: AmiMessage, corr: Correlation, now: datetime) -> tuple[CallEvent, ...]:
    state = DEVICE_STATES.get(msg.get("Status"))
    if state is None:
        return ()
    return (_member(K.SEAT_STATE, msg, _at(msg, now), seat_state=state.value),)


def _ring_no_answer(msg: AmiMessage, corr: Correlation, now: datetime) -> tuple[CallEvent, ...]:
    return (
        _member(K.SEAT_STATE, msg, _at(msg, now), seat_state=SeatState.READY.value, reason="ring_no_answer"),
    )


TABLE: dict[str, Handler] = {
    "QueueCallerJoin": _queued,
    "AgentCalled": _agent_called,
    "AgentConnect": _agent_connect,
    "AgentComplete": _agent_complete,
    "QueueCallerAbandon": _abandon,
    "BlindTransfer": _blind_transfer,
    "AttendedTransfer": _attended_transfer,
    "DialBegin": _dial_begin,
    "DialEnd": _dial_end,
    "Hangup": _hangup,
    "QueueMemberAdded": _member_added,
    "QueueMemberRemoved": _member_removed,
    "QueueMemberPause": _member_pause,
    "QueueMemberPaused": _member_pause,  # the name before Asterisk 12
    "QueueMemberStatus": _member_status,
    "AgentRingNoAnswer": _ring_no_answer,
    "AgentDump": _ring_no_answer,
}


def map_message(msg: AmiMessage, corr: Correlation, *, now: datetime) -> tuple[CallEvent, ...]:
    """The CallEvents one AMI message means, in order; () for the many that mean nothing to the core."""
    if not msg.is_event:
        return ()
    handler = TABLE.get(msg.name)
    if handler is None:
        return ()
    return handler(msg, corr, now)
