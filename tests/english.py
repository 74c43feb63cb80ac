"""Whether a text a user reads is (partly) English prose: the guard behind the zh-CN rule.

Code-ish tokens are let through: acronyms in capitals (PJSIP, CSRF, API), identifiers with digits
(Open311, PJSIP/1001, U+0000), URLs and e-mail addresses, format placeholders (``{field}``,
``%s``), and the few lower-case words a Chinese message names on purpose (file types, ``true``).
"""

import re
from collections.abc import Collection

# Lower-case or capitalised words a Chinese message may carry as they are.
ALLOWED = frozenset(
    {
        "true",
        "false",
        "null",
        "json",
        "csv",
        "xlsx",
        "excel",
        "utf",
        "http",
        "https",
        "www",
        "ok",
        "kb",
        "mb",
        "ms",
        "id",
        "ip",
        "email",
        "open",  # Open311, when a digit split does not keep it whole
        "asterisk",
        "ami",
        "redis",
        "postgresql",
        "sqlite",
        "playwright",
        "chromium",
        "webrtc",
        "sip",
        "pjsip",
        "hotline",  # the CLI's name in a hint (hotline seats ...)
        "wallboard",
        "admin",
        "token",
        "tab",
        "enter",
        "esc",
        "ctrl",
        "shift",
        "alt",
    }
)
_SKIP = re.compile(
    r"https?://\S+"  # URLs
    r"|[\w.+-]+@[\w-]+\.[\w.]+"  # e-mail addresses
    r"|\{[^{}]*\}"  # format placeholders
    r"|%[-#0 +]*\d*(?:\.\d+)?[sdifr]"  # printf placeholders
    r"|/[\w/.{}-]+"  # paths (/api/tickets, /static/app.css)
    r"|\b[a-z]+(?:\.[a-z_]+)+\b"  # dotted codes (urban.parking, user.create)
    r"|\bX-[A-Za-z-]+"  # HTTP header names (X-API-Key)
    r"|\b[A-Za-z]+[+-]?[0-9A-Fa-f]*\d[\w/.:-]*"  # identifiers with digits: U+0000, PJSIP/1001, Open311
)
_WORD = re.compile(r"[A-Za-z][A-Za-z_'-]*[A-Za-z]|[A-Za-z]")


def english_words(text: str, *, codes_are_english: bool = True, data: Collection[str] = ()) -> list[str]:
    """The words of ``text`` that read as English prose.

    A word counts unless it is an acronym (all capitals), a single letter, or in ``ALLOWED``.
    ``codes_are_english`` also counts snake_case codes (``request_extension``): on a screen a raw
    code is as unreadable as a sentence; in source a message may name a field's code on purpose.
    ``data``: identifiers people chose and type themselves (usernames, unit codes), shown as data.
    """
    found = []
    for word in _WORD.findall(_SKIP.sub(" ", text)):
        if "_" in word and not codes_are_english:
            continue
        if len(word) < 2 or word.isupper() or word.lower() in ALLOWED or word in data:
            continue
        found.append(word)
    return found


def is_english(text: str, *, codes_are_english: bool = True) -> bool:
    """Whether ``text`` holds any English prose word (see ``english_words``)."""
    return bool(english_words(text, codes_are_english=codes_are_english))
