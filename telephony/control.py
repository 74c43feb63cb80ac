"""Call control from a seat over AMI: click-to-call, transfer (blind or three-way), pause.

Implements ``hotline.ports.CallControl``. It works on the bridge's own session (it then knows
each answered call's channels) or on a separate action-only session (``Events: off``) from the
web process, which finds the channels with ``CoreShowChannels``; either way only one session
per deployment receives events.
"""

import re
import secrets
from collections.abc import Callable

from telephony.client import AmiClient
from telephony.config import AmiSettings
from telephony.mapping import LiveCall
from telephony.reconcile import find_seat_leg

_NUMBER = re.compile(r"^\+?[0-9]{3,20}$")
_EXTEN = re.compile(r"^[0-9*#+]{2,32}$")
_INTERFACE = re.compile(r"^[A-Za-z0-9]+/[A-Za-z0-9_.@+-]{1,120}$")


class CallControlError(Exception):
    """A call-control request that cannot be carried out as asked."""


class TransferTargetError(CallControlError, ValueError):
    """Neither a known expert desk nor a dialable unit line."""


class CallNotFoundError(CallControlError, LookupError):
    """No answered call with that id is live on a seat now."""


class AmiCallControl:
    """``CallControl`` over an ``AmiClient``."""

    def __init__(
        self,
        client: AmiClient,
        settings: AmiSettings,
        *,
        locate: Callable[[str], LiveCall | None] | None = None,
    ) -> None:
        self.client = client
        self.settings = settings
        self._locate = locate

    def resolve_target(self, target: str) -> str:
        """An expert desk's name (人社, 医保, 法律服务, 政企通) or a unit's number → its extension."""
        target = target.strip()
        exten = self.settings.transfer_targets.get(target, target)
        if not _EXTEN.match(exten):
            known = "、".join(self.settings.transfer_targets)
            raise TransferTargetError(f"transfer target {target!r}: not one of {known} nor a phone number")
        return exten

    async def click_to_call(self, *, seat_interface: str, number: str, caller_id: str = "") -> str:
        """Ring the seat's phone first, then the citizen; return the new call's id (its Linkedid).

        ``ChannelId`` fixes the first channel's Uniqueid, which is the call's Linkedid, so the
        caller of this method can match the events that follow to the callback it asked for.
        """
        if not _INTERFACE.match(seat_interface):
            raise CallControlError(f"not a seat interface: {seat_interface!r}")
        if not _NUMBER.match(number):
            raise CallControlError(f"not a dialable number: {number!r}")
        linkedid = f"cb-{secrets.token_hex(8)}"
        shown = caller_id or f'"回拨 {number}" <{number}>'
        await self.client.action(
            "Originate",
            {
                "Channel": seat_interface,
                "Context": self.settings.originate_context,
                "Exten": number,
                "Priority": "1",
                "CallerID": shown,
                "Timeout": str(int(self.settings.originate_timeout_s * 1000)),
                "Async": "true",
                "ChannelId": linkedid,
                "Variable": [f"HOTLINE_CALLBACK={number}", f"HOTLINE_CID={self.settings.hotline_number}"],
            },
        )
        return linkedid

    async def _seat_channel(self, linkedid: str) -> str:
        call = self._locate(linkedid) if self._locate is not None else None
        if call is not None and call.seat_channel:
            return call.seat_channel
        channels = await self.client.list_action("CoreShowChannels")
        legs = find_seat_leg(channels.events, linkedid)
        if legs is None:
            raise CallNotFoundError(f"call {linkedid!r} is not connected to a seat now")
        return legs[1].get("Channel")

    async def transfer(self, *, linkedid: str, target: str, attended: bool = False) -> None:
        """Blind: the caller goes to the target and the seat is free (``BlindTransfer``).

        Attended (三方通话): ``Atxfer`` from the seat's leg: the caller waits on hold while the
        operator talks to the target, then the operator hangs up to hand over, or presses the
        three-way feature code (features.conf ``atxferthreeway``, ``*3`` in docker/) to talk
        all three together.
        """
        exten = self.resolve_target(target)
        channel = await self._seat_channel(linkedid)
        await self.client.action(
            "Atxfer" if attended else "BlindTransfer",
            {"Channel": channel, "Context": self.settings.transfer_context, "Exten": exten},
        )

    async def pause(self, *, seat_interface: str, paused: bool, reason: str = "") -> None:
        """Pause or unpause the seat in its queue(s), with a reason (休息, 培训, after-call-work...)."""
        if not _INTERFACE.match(seat_interface):
            raise CallControlError(f"not a seat interface: {seat_interface!r}")
        headers: dict[str, str] = {}
        if self.settings.queue:
            headers["Queue"] = self.settings.queue
        headers["Interface"] = seat_interface
        headers["Paused"] = "true" if paused else "false"
        if paused and reason:
            headers["Reason"] = reason[:64]
        await self.client.action("QueuePause", headers)
