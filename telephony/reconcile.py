"""After a reconnect: what Asterisk has now, restated as CallEvents, so nothing is lost or doubled.

``CoreShowChannels`` gives every live channel with its Linkedid, running application and bridge;
``QueueStatus`` gives the queue members (seats) with their state and pause, and the callers
waiting (``QueueEntry``, which has a Uniqueid but no Linkedid, hence the channels). A caller's
channel runs ``Queue`` for the whole call; when it shares a bridge with another channel, that
one is the seat's leg and the call is being answered.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from hotline.calls.events import CallEvent, CallEventKind
from telephony.mapping import DEVICE_STATES, Correlation, LiveCall, caller_value, channel_base
from telephony.protocol import AmiMessage

K = CallEventKind


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The phone system at ``at``: events restating it, the calls alive, the seats in a queue."""

    at: datetime
    events: tuple[CallEvent, ...]
    live_linkedids: frozenset[str]
    seat_interfaces: frozenset[str] | None  # None when the queue status could not be read


def _duration(value: str) -> timedelta:
    """``HH:MM:SS`` (CoreShowChannel) → timedelta; anything else → 0."""
    parts = value.strip().split(":")
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        return timedelta(0)
    seconds = 0
    for number in numbers:
        seconds = seconds * 60 + number
    return timedelta(seconds=seconds)


def _seconds(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return 0.0


def find_seat_leg(channels: Sequence[AmiMessage], linkedid: str) -> tuple[AmiMessage, AmiMessage] | None:
    """The (caller, seat) channels of a queue call being answered, or None."""
    legs = [c for c in channels if c.get("Linkedid") == linkedid]
    for caller in legs:
        bridge = caller.get("BridgeId")
        if caller.get("Application") != "Queue" or not bridge:
            continue
        for other in legs:
            if other is not caller and other.get("BridgeId") == bridge:
                return caller, other
    return None


def build_snapshot(
    channels: Sequence[AmiMessage],
    queue_status: Sequence[AmiMessage] | None,
    *,
    corr: Correlation,
    now: datetime,
) -> Snapshot:
    """Restate the lists as CallEvents and bring ``corr`` in line with the calls answered now."""
    by_uniqueid = {c.get("Uniqueid"): c for c in channels}
    live = frozenset(c.get("Linkedid") for c in channels if c.get("Linkedid"))
    members = [m for m in (queue_status or ()) if m.name == "QueueMember"]
    entries = [e for e in (queue_status or ()) if e.name == "QueueEntry"]
    member_by_state = {m.get("StateInterface"): m.get("Location") for m in members if m.get("StateInterface")}
    member_names = {m.get("Location"): m.get("Name") for m in members}
    queue_of = {m.get("Location"): m.get("Queue") for m in members}
    events: list[CallEvent] = []

    for entry in entries:  # callers waiting (or being rung)
        channel = by_uniqueid.get(entry.get("Uniqueid"))
        if channel is None or not channel.get("Linkedid"):
            continue  # joined after the channel list was taken: its own QueueCallerJoin follows
        events.append(
            CallEvent(
                kind=K.QUEUED,
                at=now - timedelta(seconds=_seconds(entry.get("Wait"))),
                linkedid=channel.get("Linkedid"),
                queue=entry.get("Queue"),
                caller_number=caller_value(entry.get("CallerIDNum") or channel.get("CallerIDNum")),
                caller_name=caller_value(entry.get("CallerIDName") or channel.get("CallerIDName")),
                source_id=f"snapshot:QueueEntry:{entry.get('Uniqueid')}",
            )
        )

    answered: dict[str, LiveCall] = {}
    for linkedid in sorted(live):
        legs = find_seat_leg(channels, linkedid)
        if legs is None:
            continue
        caller, seat = legs
        base = channel_base(seat.get("Channel"))
        interface = base if base in member_names else member_by_state.get(base, base)
        call = LiveCall(
            linkedid=linkedid,
            queue=queue_of.get(interface, ""),
            interface=interface,
            member_name=member_names.get(interface, ""),
            caller_uniqueid=caller.get("Uniqueid"),
            caller_channel=caller.get("Channel"),
            seat_uniqueid=seat.get("Uniqueid"),
            seat_channel=seat.get("Channel"),
            caller_number=caller_value(caller.get("CallerIDNum")),
            caller_name=caller_value(caller.get("CallerIDName")),
        )
        answered[linkedid] = call
        caller_info = {"caller_number": call.caller_number, "caller_name": call.caller_name}
        events.append(
            CallEvent(
                kind=K.QUEUED,
                at=now - _duration(caller.get("Duration")),
                linkedid=linkedid,
                queue=call.queue,
                source_id=f"snapshot:Queue:{call.caller_uniqueid}",
                **caller_info,
            )
        )
        events.append(
            CallEvent(
                kind=K.ANSWERED,
                at=now - _duration(seat.get("Duration")),  # the seat's leg began ringing: near enough
                linkedid=linkedid,
                queue=call.queue,
                interface=interface,
                member_name=call.member_name,
                source_id=f"snapshot:Bridge:{call.seat_uniqueid}",
                **caller_info,
            )
        )

    for member in members:
        interface = member.get("Location")
        if not interface:
            continue
        common = {
            "at": now,
            "queue": member.get("Queue"),
            "interface": interface,
            "member_name": member.get("Name"),
            "source_id": f"snapshot:QueueMember:{interface}",
        }
        events.append(CallEvent(kind=K.SEAT_ADDED, **common))
        if member.get("Paused") == "1":
            events.append(CallEvent(kind=K.SEAT_PAUSED, reason=member.get("PausedReason"), **common))
        else:
            events.append(CallEvent(kind=K.SEAT_UNPAUSED, **common))
        state = DEVICE_STATES.get(member.get("Status"))
        if state is not None:
            events.append(CallEvent(kind=K.SEAT_STATE, seat_state=state.value, **common))

    for linkedid in list(corr.calls):
        if linkedid not in answered:
            corr.forget(linkedid)
    for call in answered.values():
        known = corr.calls.get(call.linkedid)
        if known is not None:
            call.transferred = known.transferred
        corr.connect(call)

    seats = frozenset(m.get("Location") for m in members if m.get("Location"))
    return Snapshot(
        at=now,
        events=tuple(events),
        live_linkedids=live,
        seat_interfaces=seats if queue_status is not None else None,
    )
