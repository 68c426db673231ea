"""Usernames: kept as sent when free, otherwise generated from the name.

Generation takes the first word of the given and family names, transliterated
to ASCII letters and title-cased: ``MaSc`` (2+2), then ``MarSch`` (3+3), then
``MaSc2``, ``MaSc3``… Usernames are compared without case or diacritics, as the LMS
compares them at sign-in: ``Müller``, ``muller`` and ``MULLER`` are one username.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, MutableSet
from functools import lru_cache
from typing import Literal

UsernameMode = Literal["keep", "generate", "generate-if-taken"]
USERNAME_MODES: tuple[UsernameMode, ...] = ("keep", "generate", "generate-if-taken")

# Letters NFKD does not take apart into a base letter plus marks.
_SPECIAL = str.maketrans(
    {"æ": "ae", "Æ": "Ae", "ø": "o", "Ø": "O", "ß": "ss", "đ": "d", "Đ": "D", "ł": "l",
     "Ł": "L", "þ": "th", "Þ": "Th", "ð": "d", "Ð": "D", "œ": "oe", "Œ": "Oe"}
)  # fmt: skip


def username_key(username: str) -> str:
    """The form two usernames are compared in: case and diacritics folded (Müller → muller)."""
    if username.isascii():
        return username.lower()
    folded = unicodedata.normalize("NFKD", username.casefold().translate(_SPECIAL))
    return "".join(c for c in folded if not unicodedata.combining(c))


def transliterate(text: str) -> str:
    """Turn a name into ASCII letters: å→a, ä→a, ö→o, æ→ae, ø→o, ü→u, ß→ss, é→e."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    return "".join(c for c in decomposed if c.isascii() and c.isalpha())


@lru_cache(maxsize=65536)  # names repeat: a municipality has many Olas and Hansens
def _first_word(name: str) -> str:
    """The transliterated letters of a name's first word."""
    words = name.split()
    return transliterate(words[0]) if words else ""


def short_forms(given_name: str, family_name: str) -> tuple[str, ...]:
    """The 2+2 and 3+3 forms of a name (``MaSc``, ``MarSch``); empty without letters."""
    given, family = _first_word(given_name), _first_word(family_name)
    if not given and not family:
        return ()
    short = given[:2].title() + family[:2].title()
    longer = given[:3].title() + family[:3].title()
    return (short,) if longer == short else (short, longer)


def candidates(given_name: str, family_name: str) -> Iterator[str]:
    """Yield usernames to try in order: MaSc, MarSch, MaSc2, MaSc3…"""
    forms = short_forms(given_name, family_name)
    yield from forms
    number = 2
    while forms:
        yield f"{forms[0]}{number}"
        number += 1


class Usernames:
    """The usernames taken (by ``username_key``), and where each numbered series got to.

    Remembering the series keeps a thousand "Ola Hansen"s linear rather than quadratic.
    """

    def __init__(self, taken: MutableSet[str]) -> None:
        self.taken = taken
        self.next_number: dict[str, int] = {}

    def claim(self, username: str) -> bool:
        """Take a username if it is free; return whether it was."""
        key = username_key(username)
        if key in self.taken:
            return False
        self.taken.add(key)
        return True

    def allocate(
        self, sent: str | None, given_name: str, family_name: str, mode: UsernameMode
    ) -> tuple[str | None, str]:
        """Choose a free username and take it; return it (or None) and why."""
        if sent and mode != "generate":
            if self.claim(sent):
                return sent, "kept"
            if mode == "keep":
                return None, "taken"
        elif mode == "keep":
            return None, "missing"
        forms = short_forms(given_name, family_name)
        for form in forms:
            if self.claim(form):
                return form, "generated"
        if not forms:
            return None, "ungeneratable"
        return self._numbered(forms[0]), "generated"

    def _numbered(self, short: str) -> str:
        """The first free ``short2``, ``short3``… from where this series got to."""
        number = self.next_number.get(username_key(short), 2)
        while not self.claim(f"{short}{number}"):
            number += 1
        self.next_number[username_key(short)] = number + 1
        return f"{short}{number}"
