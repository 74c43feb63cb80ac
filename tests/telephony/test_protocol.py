"""The wire format: frames cut on bytes, decoded whole; actions encoded safely."""

import random
from datetime import UTC, datetime

import pytest

from telephony.protocol import (
    AmiMessage,
    AmiProtocolError,
    FrameSplitter,
    OversizeFrame,
    encode_action,
    split_stream,
)
from tests.telephony.amiserver import recorded

NAMES = ["answered", "abandoned", "agent_state", "transfer", "sipp"]


@pytest.mark.parametrize("name", NAMES)
def test_recorded_stream_splits_into_the_documented_frames(name: str) -> None:
    data = recorded(f"{name}.ami").read_bytes()
    banner, frames = split_stream(data)
    assert banner == "Asterisk Call Manager/11.0.0"
    assert all(isinstance(f, bytes) for f in frames)
    expected = {"answered": 165, "abandoned": 98, "agent_state": 36, "transfer": 443, "sipp": 161}[name]
    assert len(frames) == expected
    last = frames[-1]
    assert isinstance(last, bytes)
    assert AmiMessage.from_frame(last).name == "Goodbye"


@pytest.mark.parametrize("name", NAMES)
def test_feeding_a_few_bytes_at_a_time_gives_the_same_frames(name: str) -> None:
    data = recorded(f"{name}.ami").read_bytes()
    _, whole = split_stream(data)
    rng = random.Random(name)
    splitter = FrameSplitter()
    pieces: list[bytes | OversizeFrame] = []
    pos = 0
    while pos < len(data):
        step = rng.randint(1, 7)
        pieces.extend(splitter.feed(data[pos : pos + step]))
        pos += step
    assert pieces == whole
    assert splitter.buffered == 0


def test_a_chinese_name_split_inside_a_character_decodes_whole() -> None:
    data = "Asterisk Call Manager/11.0.0\r\nEvent: QueueCallerJoin\r\nCallerIDName: 张三\r\n\r\n".encode()
    cut = data.index("张".encode()) + 1  # in the middle of the 3-byte character
    splitter = FrameSplitter()
    assert splitter.feed(data[:cut]) == []
    (frame,) = splitter.feed(data[cut:])
    assert isinstance(frame, bytes)
    assert AmiMessage.from_frame(frame).get("CallerIDName") == "张三"


def test_values_keep_unicode_line_separators_and_empty_values() -> None:
    msg = AmiMessage("Event: NewCallerid\r\nCallerIDName: 王\u2028五\x85\r\nAccountCode: \r\nExten:")
    assert msg.get("CallerIDName") == "王\u2028五\x85"
    assert msg.get("AccountCode") == ""
    assert msg.get("Exten") == ""
    assert msg.bad_lines == 0


def test_repeated_headers_and_bad_lines() -> None:
    msg = AmiMessage("Event: VarSet\r\nVariable: A=1\r\nVariable: B=2\r\nno colon here\r\nValue: x: y")
    assert msg.get("Variable") == "A=1"
    assert msg.getall("Variable") == ["A=1", "B=2"]
    assert msg.get("Value") == "x: y"
    assert msg.bad_lines == 1


def test_invalid_utf8_is_replaced_and_flagged() -> None:
    msg = AmiMessage.from_frame(b"Event: QueueCallerJoin\r\nCallerIDName: \xff\xfe\r\nLinkedid: 1.1")
    assert msg.decode_error
    assert msg.name == "QueueCallerJoin"
    assert msg.get("Linkedid") == "1.1"


def test_garbage_has_no_kind() -> None:
    assert AmiMessage.from_frame(b"\x00\x01 garbage\r\nnothing: here").kind == "unknown"
    assert AmiMessage("Privilege: call\r\nEvent: Hangup").name == "Hangup"


def test_timestamp_is_exact_to_the_microsecond() -> None:
    msg = AmiMessage("Event: X\r\nTimestamp: 1795254355.817225")
    assert msg.timestamp() == datetime(2026, 11, 21, 9, 45, 55, 817225, tzinfo=UTC)
    assert AmiMessage("Event: X").timestamp() is None
    assert AmiMessage("Event: X\r\nTimestamp: soon").timestamp() is None


def test_oversize_frame_is_skipped_and_the_stream_stays_in_step() -> None:
    big = b"Event: VarSet\r\nValue: " + b"x" * 5000
    data = b"Asterisk Call Manager/11.0.0\r\n" + big + b"\r\n\r\nEvent: Ok\r\n\r\n"
    for step in (1, 13, 4096, len(data)):
        splitter = FrameSplitter(max_frame_bytes=1024)
        out: list[bytes | OversizeFrame] = []
        for pos in range(0, len(data), step):
            out.extend(splitter.feed(data[pos : pos + step]))
        assert len(out) == 2, step
        assert isinstance(out[0], OversizeFrame)
        assert out[0].size == len(big)
        assert out[0].head.startswith(b"Event: VarSet")
        assert out[1] == b"Event: Ok"
        assert splitter.buffered <= 3


def test_a_stream_without_a_banner_line_is_refused() -> None:
    with pytest.raises(AmiProtocolError, match="banner"):
        FrameSplitter(max_frame_bytes=1024).feed(b"x" * 2000)


def test_encoded_actions_match_the_recorded_bytes() -> None:
    sent = recorded("abandoned.sent").read_bytes()
    ours = encode_action(
        "QueuePause",
        {"Queue": "12345", "Interface": "Local/1001@agents", "Paused": True, "Reason": "meeting"},
        action_id="abandoned-2",
    )
    assert ours in sent
    originate = encode_action(
        "Originate",
        {
            "Channel": "Local/13900139000@incoming",
            "Context": "caller",
            "Exten": "patient",
            "Priority": 1,
            "CallerID": '"李四" <13900139000>',
            "Timeout": 30000,
            "Async": "true",
            "Variable": ["PATIENCE=3"],
        },
        action_id="abandoned-5",
    )
    assert originate in sent


@pytest.mark.parametrize(
    ("key", "value"), [("Channel", "x\r\nAction: Hangup"), ("Reason", "a\nb"), ("Bad Key", "v"), ("K:", "v")]
)
def test_header_injection_is_refused(key: str, value: str) -> None:
    with pytest.raises(AmiProtocolError):
        encode_action("QueuePause", {key: value}, action_id="1")
