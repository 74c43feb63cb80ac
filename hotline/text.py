"""Validation of free text coming from callers, forms and files."""

import unicodedata

from hotline.errors import InvalidInput

MAX_CONTENT_CHARS = 5000
MAX_LINE_CHARS = 200


def clean_text(value: str, *, field: str, max_len: int, allow_empty: bool = False) -> str:
    """Return ``value`` trimmed, or raise InvalidInput naming the field and the fault.

    Refuses text that cannot be valid Unicode (lone surrogates from broken UTF-8),
    control characters other than newlines and tabs, and text over ``max_len``.
    HTML is kept as written: it is the caller's words, escaped where it is shown.
    """
    if not isinstance(value, str):
        raise InvalidInput(f"{field}: expected text, got {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:
        raise InvalidInput(f"{field}: not valid UTF-8 text (broken bytes at position {err.start})") from err
    value = unicodedata.normalize("NFC", value).strip()
    if not value and not allow_empty:
        raise InvalidInput(f"{field}: must not be empty")
    if len(value) > max_len:
        raise InvalidInput(f"{field}: {len(value)} characters, at most {max_len} allowed")
    for char in value:
        if char not in "\n\t\r" and unicodedata.category(char) == "Cc":
            raise InvalidInput(f"{field}: contains a control character U+{ord(char):04X}")
    return value
