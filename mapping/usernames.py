"""Usernames: kept as sent when free, otherwise generated from the name.

Generation takes the first word of the given and family names, transliterated
to ASCII letters and title-cased: ``MaSc`` (2+2), then ``MarSch`` (3+3), then
``MaSc2``, ``MaSc3``… Usernames are compared case-insensitively.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, MutableSet
from typing import Literal

UsernameMode = Literal["keep", "generate", "generate-if-taken"]
USERNAME_MODES: tuple[UsernameMode, ...] = ("keep", "generate", "generate-if-taken")

# Letters NFKD does not take apart into a base letter plus marks.
_SPECIAL = str.maketrans(
    {"æ": "ae", "Æ": "Ae", "ø": "o", "Ø": "O", "ß": "ss", "đ": "d", "Đ": "D", "ł": "l",
     "Ł": "L", "þ": "th", "Þ": "Th", "ð": "d", "Ð": "D", "œ": "oe", "Œ": "Oe"}
)  # fmt: skip


def username_key(username: str) -> str:
    """The form two usernames are compared in."""
    return username.casefold()


def transliterate(text: str) -> str:
    """Turn a name into ASCII letters: å→a, ä→a, ö→o, æ→ae, ø→o, ü→u, ß→ss, é→e."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    return "".join(c for c in decomposed if c.isascii() and c.isalpha())


def _first_word(name: str) -> str:
    """The transliterated letters of a name's first word."""
    words = name.split()
    return transliterate(words[0]) if words else ""


def candidates(given_name: str, family_name: str) -> Iterator[str]:
    """Yield usernames to try in order: MaSc, MarSch, MaSc2, MaSc3…"""
    given, family = _first_word(given_name), _first_word(family_name)
    if not given and not family:
        return
    short = given[:2].title() + family[:2].title()
    yield short
    longer = given[:3].title() + family[:3].title()
    if longer != short:
        yield longer
    number = 2
    while True:
        yield f"{short}{number}"
        number += 1


def allocate(
    sent: str | None, given_name: str, family_name: str, mode: UsernameMode, taken: MutableSet[str]
) -> tuple[str | None, str]:
    """Choose a free username and mark it taken; return it (or None) and why."""
    if sent and mode != "generate":
        if username_key(sent) not in taken:
            taken.add(username_key(sent))
            return sent, "kept"
        if mode == "keep":
            return None, "taken"
    elif mode == "keep":
        return None, "missing"
    for candidate in candidates(given_name, family_name):
        if username_key(candidate) not in taken:
            taken.add(username_key(candidate))
            return candidate, "generated"
    return None, "ungeneratable"
