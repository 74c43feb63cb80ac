"""Call control from a seat over AMI: click-to-call, answer, hang up, transfers, pause, queue log-in.

Implements ``hotline.ports.CallControl``. It works on the bridge's own session (it then knows
each answered call's channels) or on a separate action-only session (``Events: off``) from the
web process, which finds the channels with ``CoreShowChannels``; either way only one session
per deployment receives events.

Attended transfer (咨询转接) and three-way (三方通话) use Asterisk's transfer features: ``Atxfer``
starts the consultation from the operator's leg (the queue must let the called party transfer:
``Queue(...,t...)``), and the operator's next step is the feature code of features.conf
(``atxfercomplete``, ``atxferthreeway``) received on that leg (``PlayDTMF`` with ``Receive``), or
``CancelAtxfer``. Asterisk reports the outcome as ``AttendedTransfer``.
"""

import re
import secrets
from collections.abc import Callable

from hotline.ports import TransferStep
from telephony.client import AmiActionError, AmiClient
from telephony.config import AmiSettings
from telephony.mapping import CALLBACK_PREFIX, LiveCall, channel_base
from telephony.protocol import AmiMessage
from telephony.reconcile import find_seat_leg

_NUMBER = re.compile(r"^\+?[0-9]{3,20}$")
_EXTEN = re.compile(r"^[0-9*#+]{2,32}$")
_INTERFACE = re.compile(r"^[A-Za-z0-9]+/[A-Za-z0-9_.@+-]{1,120}$")
_ACCOUNT = re.compile(r"^[A-Za-z0-9_.:-]{0,80}$")
_CALL_ID = re.compile(rf"^{re.escape(CALLBACK_PREFIX)}[0-9a-f]{{8,32}}$")


class CallControlError(ValueError):
    """A call-control request that cannot be carried out as asked."""


class TransferTargetError(CallControlError):
    """Neither a known expert desk nor a dialable unit line."""


class CallNotFoundError(LookupError):
    """No call with that id is live on a seat now."""


def _check_interface(seat_interface: str) -> None:
    if not _INTERFACE.match(seat_interface):
        raise CallControlError(f"坐席话机接口无效：{seat_interface!r}")


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
        """An expert desk (人社, 医保, 法律服务, 政企通), an emergency line or a number → its extension."""
        target = target.strip()
        exten = self.settings.transfer_targets.get(target, target)
        if not _EXTEN.match(exten):
            known = "、".join(self.settings.transfer_targets)
            raise TransferTargetError(f"转接目标 {target!r} 无效：应为 {known}、110/119/120/122 或电话号码")
        return exten

    def new_call_id(self) -> str:
        return f"{CALLBACK_PREFIX}{secrets.token_hex(8)}"

    async def click_to_call(
        self, *, seat_interface: str, number: str, call_id: str, caller_id: str = "", account: str = ""
    ) -> str:
        """Ring the seat's phone first, then the citizen; return the call's id (its Linkedid).

        ``ChannelId`` fixes the first channel's Uniqueid, which is the call's Linkedid, so the
        events that follow match the record the caller of this method wrote for ``call_id``.
        ``account`` goes into the CDR's AccountCode of every leg (the ticket, for the call record).
        """
        _check_interface(seat_interface)
        if not _NUMBER.match(number):
            raise CallControlError(f"号码无法拨打：{number!r}")
        if not _CALL_ID.match(call_id):
            raise CallControlError(f"通话编号无效：{call_id!r}")
        if not _ACCOUNT.match(account):
            raise CallControlError(f"计费账号无效：{account!r}")
        headers: dict[str, str | list[str]] = {
            "Channel": seat_interface,
            "Context": self.settings.originate_context,
            "Exten": number,
            "Priority": "1",
            "CallerID": caller_id or f'"回拨 {number}" <{number}>',
            "Timeout": str(int(self.settings.originate_timeout_s * 1000)),
            "Async": "true",
            "ChannelId": call_id,
            "Variable": [f"HOTLINE_CALLBACK={number}", f"HOTLINE_CID={self.settings.hotline_number}"],
        }
        if account:
            headers["Account"] = account
        await self.client.action("Originate", headers)
        return call_id

    async def _channels(self, linkedid: str) -> list[AmiMessage]:
        listing = await self.client.list_action("CoreShowChannels")
        return [c for c in listing.events if c.get("Linkedid") == linkedid]

    async def _seat_channel(self, linkedid: str) -> str:
        """The operator's leg of a live call: from the bridge's correlation, else from the channels."""
        call = self._locate(linkedid) if self._locate is not None else None
        if call is not None and call.seat_channel:
            return call.seat_channel
        channels = await self._channels(linkedid)
        legs = find_seat_leg(channels, linkedid)
        if legs is not None:
            return legs[1].get("Channel")
        # A call placed from a seat: its first channel (Uniqueid = Linkedid) is the seat's phone.
        for channel in channels:
            if channel.get("Uniqueid") == linkedid:
                return channel.get("Channel")
        raise CallNotFoundError(f"通话 {linkedid} 当前不在坐席上")

    async def answer(self, *, seat_interface: str) -> None:
        """Answer the ringing seat phone from the page: SIP NOTIFY ``Event: talk`` in its ringing dialog.

        Desk phones that allow remote answer from this server (most SIP desk phones, once the
        server is on their allow-list) pick up; a phone that is not a SIP endpoint cannot be
        answered remotely. ``res_pjsip_notify`` loads only with a ``pjsip_notify.conf`` (docker/).
        """
        _check_interface(seat_interface)
        tech, _, _ = seat_interface.partition("/")
        if tech.upper() != "PJSIP":
            raise CallControlError("该坐席话机不支持远程接听，请在话机上接听")
        listing = await self.client.list_action("CoreShowChannels")
        ringing = [
            c.get("Channel")
            for c in listing.events
            if channel_base(c.get("Channel")) == seat_interface and c.get("ChannelStateDesc") == "Ringing"
        ]
        if not ringing:
            raise CallNotFoundError("坐席话机没有振铃中的来电")
        try:
            await self.client.action("PJSIPNotify", {"Channel": ringing[0], "Variable": "Event=talk"})
        except AmiActionError as err:
            raise CallControlError(f"话机未能远程接听：{err.response.get('Message')}") from err

    async def hangup(self, *, linkedid: str) -> None:
        """End the operator's part of the call (the citizen of a queue call hears the queue's end)."""
        channel = await self._seat_channel(linkedid)
        try:
            await self.client.action("Hangup", {"Channel": channel, "Cause": "16"})
        except AmiActionError as err:
            raise CallNotFoundError(f"通话 {linkedid} 已结束") from err

    async def transfer(self, *, linkedid: str, target: str, attended: bool = False) -> None:
        """Blind: the caller goes to the target and the seat is free (``BlindTransfer``).

        Attended: ``Atxfer`` from the seat's leg: the caller waits on hold while the operator
        talks to the target; then ``finish_transfer`` hands over, joins all three, or cancels.
        """
        exten = self.resolve_target(target)
        channel = await self._seat_channel(linkedid)
        try:
            await self.client.action(
                "Atxfer" if attended else "BlindTransfer",
                {"Channel": channel, "Context": self.settings.transfer_context, "Exten": exten},
            )
        except AmiActionError as err:
            raise CallControlError(f"转接失败：{err.response.get('Message')}（{channel}）") from err

    async def finish_transfer(self, *, linkedid: str, step: TransferStep) -> None:
        """The operator's step in an attended transfer in progress."""
        channel = await self._seat_channel(linkedid)
        try:
            if step is TransferStep.CANCEL:
                await self.client.action("CancelAtxfer", {"Channel": channel})
                return
            code = (
                self.settings.atxfer_threeway
                if step is TransferStep.THREEWAY
                else self.settings.atxfer_complete
            )
            for digit in code:
                await self.client.action("PlayDTMF", {"Channel": channel, "Digit": digit, "Receive": "true"})
        except AmiActionError as err:
            raise CallControlError(f"转接操作失败：{err.response.get('Message')}") from err

    async def pause(self, *, seat_interface: str, paused: bool, reason: str = "") -> None:
        """Pause or unpause the seat in its queue(s), with a reason (休息, 培训, after-call-work...)."""
        _check_interface(seat_interface)
        headers: dict[str, str] = {}
        if self.settings.queue:
            headers["Queue"] = self.settings.queue
        headers["Interface"] = seat_interface
        headers["Paused"] = "true" if paused else "false"
        if paused and reason:
            headers["Reason"] = reason[:64]
        try:
            await self.client.action("QueuePause", headers)
        except AmiActionError as err:
            raise CallNotFoundError(f"坐席 {seat_interface} 未签入队列，请先签入") from err

    async def queue_login(self, *, seat_interface: str, member_name: str = "") -> None:
        """签入: add the seat to the hotline queue (``QueueAdd``); Asterisk reports QueueMemberAdded."""
        _check_interface(seat_interface)
        headers = {"Queue": self.settings.login_queue, "Interface": seat_interface}
        if member_name:
            headers["MemberName"] = member_name[:64]
        try:
            await self.client.action("QueueAdd", headers)
        except AmiActionError as err:
            raise CallControlError(f"签入失败：{err.response.get('Message')}") from err

    async def queue_logoff(self, *, seat_interface: str) -> None:
        """签出: take the seat out of the hotline queue (``QueueRemove``)."""
        _check_interface(seat_interface)
        try:
            await self.client.action(
                "QueueRemove", {"Queue": self.settings.login_queue, "Interface": seat_interface}
            )
        except AmiActionError as err:
            raise CallNotFoundError(f"坐席 {seat_interface} 不在队列中") from err
