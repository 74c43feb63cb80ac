"""The AMI wire format: bytes in, whole frames and messages out; actions in, bytes out.

A session starts with one banner line ended by a single CRLF (``Asterisk Call Manager/11.0.0``);
after it every message is ``Key: Value`` lines ended by an empty line (CRLF CRLF). Text is UTF-8
and a multi-byte character may be split across TCP reads, so frames are cut on bytes and each
whole frame is decoded once, never a read at a time.
"""

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

CRLF = b"\r\n"
TERMINATOR = b"\r\n\r\n"
BANNER_PREFIX = "Asterisk Call Manager/"
_HEAD_KEEP = 160  # bytes of an oversize frame kept to say what it was
_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class AmiProtocolError(ValueError):
    """Bytes or an action that do not follow the AMI wire format."""


@dataclass(frozen=True, slots=True)
class OversizeFrame:
    """A frame longer than the limit: dropped, with its start kept for the log."""

    size: int
    head: bytes


class FrameSplitter:
    """Cut an AMI byte stream into whole frames (bytes), the banner line first.

    Memory stays bounded: a frame over ``max_frame_bytes`` is skipped up to its terminator and
    reported as an ``OversizeFrame`` so the stream stays in step.
    """

    def __init__(self, *, max_frame_bytes: int = 512 * 1024, expect_banner: bool = True) -> None:
        self.max_frame_bytes = max_frame_bytes
        self.banner: str | None = None if expect_banner else ""
        self._buf = bytearray()
        self._scan = 0  # where to resume looking for the terminator
        self._skipping = 0  # bytes of an oversize frame dropped so far
        self._skip_head = b""

    @property
    def buffered(self) -> int:
        return len(self._buf)

    def feed(self, data: bytes) -> list[bytes | OversizeFrame]:
        """Add bytes read from the socket; return the frames they complete, in order."""
        buf = self._buf
        buf += data
        out: list[bytes | OversizeFrame] = []
        pos = 0
        if self.banner is None:
            end = buf.find(CRLF)
            if end < 0:
                if len(buf) > self.max_frame_bytes:
                    raise AmiProtocolError(f"no banner line within {self.max_frame_bytes} bytes")
                return out
            self.banner = buf[:end].decode("utf-8", "replace")
            pos = end + 2
            self._scan = pos
        while True:
            end = buf.find(TERMINATOR, max(self._scan, pos))
            if end < 0:
                break
            if self._skipping:
                out.append(OversizeFrame(self._skipping + end - pos, self._skip_head))
                self._skipping, self._skip_head = 0, b""
            elif end - pos > self.max_frame_bytes:
                out.append(OversizeFrame(end - pos, bytes(buf[pos : pos + _HEAD_KEEP])))
            elif end > pos:
                out.append(bytes(buf[pos:end]))
            pos = end + 4
            self._scan = pos
        pending = len(buf) - pos
        if pending > self.max_frame_bytes or (self._skipping and pending > 3):
            # Too long to be a frame: drop all but the last 3 bytes, which may start the terminator.
            if not self._skipping:
                self._skip_head = bytes(buf[pos : pos + _HEAD_KEEP])
            self._skipping += pending - 3
            pos = len(buf) - 3
        del buf[:pos]
        self._scan = max(0, len(buf) - 3)
        return out


def split_stream(
    data: bytes, *, max_frame_bytes: int = 512 * 1024
) -> tuple[str, list[bytes | OversizeFrame]]:
    """Split a whole recorded stream: the banner and its frames."""
    splitter = FrameSplitter(max_frame_bytes=max_frame_bytes)
    frames = splitter.feed(data)
    return splitter.banner or "", frames


class AmiMessage:
    """One AMI message (event or response), decoded whole; headers are parsed on first use.

    Most of a busy stream (VarSet, Newexten...) is only ever asked its name, so the full parse
    is deferred. Header names are matched exactly as Asterisk writes them; the first of a
    repeated header wins in ``get`` and ``getall`` returns every value.
    """

    __slots__ = ("_headers", "_multi", "bad_lines", "decode_error", "kind", "name", "raw_size", "text")

    def __init__(self, text: str, *, decode_error: bool = False, raw_size: int | None = None) -> None:
        self.text = text
        self.decode_error = decode_error
        self.raw_size = len(text) if raw_size is None else raw_size
        self._headers: dict[str, str] | None = None
        self._multi: dict[str, list[str]] | None = None
        self.bad_lines = 0
        first, _, _ = text.partition("\r\n")
        key, sep, value = first.partition(":")
        value = value.strip()
        if sep and key == "Event":
            self.kind, self.name = "event", value
        elif sep and key == "Response":
            self.kind, self.name = "response", value
        else:
            headers = self.headers
            if "Event" in headers:
                self.kind, self.name = "event", headers["Event"].strip()
            elif "Response" in headers:
                self.kind, self.name = "response", headers["Response"].strip()
            else:
                self.kind, self.name = "unknown", ""

    @classmethod
    def from_frame(cls, frame: bytes) -> "AmiMessage":
        """Decode a whole frame; broken UTF-8 is replaced (and flagged) rather than dropping the message."""
        try:
            return cls(frame.decode("utf-8"), raw_size=len(frame))
        except UnicodeDecodeError:
            return cls(frame.decode("utf-8", "replace"), decode_error=True, raw_size=len(frame))

    @classmethod
    def build(cls, pairs: Iterable[tuple[str, str]]) -> "AmiMessage":
        """A message from header pairs, as Asterisk would send it (for tests and snapshots)."""
        return cls("\r\n".join(f"{k}: {v}" for k, v in pairs))

    def _parse(self) -> None:
        headers: dict[str, str] = {}
        multi: dict[str, list[str]] = {}
        bad = 0
        # Split on CRLF only: str.splitlines would also cut inside values at U+2028, U+0085, \x1c...
        for line in self.text.split("\r\n"):
            key, sep, value = line.partition(":")
            if not sep or not key or " " in key:
                if line:
                    bad += 1
                continue
            if value.startswith(" "):
                value = value[1:]
            if key in headers:
                multi.setdefault(key, [headers[key]]).append(value)
            else:
                headers[key] = value
        self._headers, self._multi, self.bad_lines = headers, multi, bad

    @property
    def headers(self) -> dict[str, str]:
        if self._headers is None:
            self._parse()
        assert self._headers is not None
        return self._headers

    @property
    def is_event(self) -> bool:
        return self.kind == "event"

    @property
    def is_response(self) -> bool:
        return self.kind == "response"

    @property
    def action_id(self) -> str:
        return self.headers.get("ActionID", "")

    def get(self, key: str, default: str = "") -> str:
        return self.headers.get(key, default)

    def __getitem__(self, key: str) -> str:
        return self.headers[key]

    def __contains__(self, key: object) -> bool:
        return key in self.headers

    def getall(self, key: str) -> list[str]:
        headers = self.headers
        assert self._multi is not None
        if key in self._multi:
            return list(self._multi[key])
        return [headers[key]] if key in headers else []

    def items(self) -> Iterator[tuple[str, str]]:
        """Every header pair in the order received."""
        for line in self.text.split("\r\n"):
            key, sep, value = line.partition(":")
            if sep and key and " " not in key:
                yield key, value[1:] if value.startswith(" ") else value

    def timestamp(self) -> datetime | None:
        """The event's ``Timestamp`` (timestampevents=yes) as aware UTC, exact to the microsecond."""
        raw = self.headers.get("Timestamp", "")
        if not raw:
            return None
        seconds, _, fraction = raw.strip().partition(".")
        try:
            whole = int(seconds)
            micros = int((fraction + "000000")[:6]) if fraction else 0
        except ValueError:
            return None
        return datetime.fromtimestamp(whole, UTC) + timedelta(microseconds=micros)

    def __repr__(self) -> str:
        return f"AmiMessage({self.kind} {self.name!r}, {self.raw_size} bytes)"


HeaderValue = str | int | float | bool | Sequence[str]


def _text(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def encode_action(name: str, headers: Mapping[str, HeaderValue] | None = None, *, action_id: str) -> bytes:
    """Bytes of one action; a sequence value repeats its header (``Variable``).

    A line break in a name or value is refused: it would let a caller-supplied string inject
    headers or whole actions into the session.
    """
    lines = [("Action", name), ("ActionID", action_id)]
    for key, value in (headers or {}).items():
        if isinstance(value, str | int | float | bool):
            lines.append((key, _text(value)))
        else:
            lines.extend((key, _text(item)) for item in value)
    parts: list[str] = []
    for key, value in lines:
        if not _KEY_RE.match(key):
            raise AmiProtocolError(f"bad AMI header name {key!r}")
        if "\r" in value or "\n" in value:
            raise AmiProtocolError(f"line break in the value of AMI header {key!r}")
        parts.append(f"{key}: {value}\r\n")
    parts.append("\r\n")
    return "".join(parts).encode("utf-8")
