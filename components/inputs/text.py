"""Text a visitor typed, checked before it is used: characters that cannot be sent are refused by name.

A browser or a script can send a lone UTF-16 surrogate (half of an emoji, JSON-escaped) or control
characters; neither can be encoded as UTF-8 for fal or the fingerprint, nor spoken. Tabs and line
breaks are ordinary typing.
"""

from __future__ import annotations

import re

from components.errors import InputRejected

_SURROGATE = re.compile(r"[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def check_characters(text: str, what: str) -> str:
    """`text` unchanged, or InputRejected naming the first character that cannot be sent and where it is."""
    broken = _SURROGATE.search(text)
    if broken:
        raise InputRejected(
            f"The {what} has a broken character at position {broken.start() + 1:,} (half of an emoji or symbol, "
            "a lone surrogate). Delete it and type it again."
        )
    control = _CONTROL.search(text)
    if control:
        raise InputRejected(
            f"The {what} has an invisible control character (U+{ord(control.group()):04X}) at position "
            f"{control.start() + 1:,}, which cannot be sent. Delete it and try again."
        )
    return text
