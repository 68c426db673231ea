"""Header names of the gateway's own CSV, in Norwegian, Swedish, Danish and English."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

FIELDS = (
    "sync_key",
    "given_name",
    "family_name",
    "username",
    "email",
    "year",
    "class",
    "role",
    "school",
)
GUARDIAN_FIELDS = ("sync_key", "given_name", "family_name", "username", "email")
REQUIRED = ("sync_key", "given_name", "family_name")

# Every header a field answers to, written the way people write them; matching
# ignores case, spaces, hyphens, underscores and dots (see ``normalise``).
ALIASES: dict[str, tuple[str, ...]] = {
    "sync_key": ("sync key", "synkroniseringsnøkkel", "synkroniseringsnyckel",
                 "synkroniseringsnøgle", "ID", "external id", "sis id"),
    "given_name": ("first name", "given name", "fornavn", "förnamn", "fornamn"),
    "family_name": ("last name", "family name", "surname", "etternavn", "efternamn",
                    "efternavn"),
    "username": ("username", "user name", "brukernavn", "användarnamn", "brugernavn", "login"),
    "email": ("e-mail", "email", "e-post", "epost", "mail", "e-mail address", "e-postadresse"),
    "year": ("year", "år", "årskurs", "trinn", "klassetrinn", "årgang", "grade"),
    "class": ("class", "klasse", "klass", "basisgruppe"),
    "role": ("role", "rolle", "roll"),
    "school": ("school", "skole", "skola", "skolenavn"),
}  # fmt: skip
GUARDIAN_PREFIXES = (
    "foresatt",
    "foresatte",
    "vårdnadshavare",
    "vardnadshavare",
    "guardian",
    "parent",
    "forælder",
    "værge",
)
MAX_GUARDIANS = 2


def normalise(header: str) -> str:
    """Fold a header for matching: invisible characters, case, spaces and punctuation go."""
    text = "".join(c for c in header if unicodedata.category(c)[0] not in "CZ")
    return re.sub(r"[\s\-_.]+", "", text).casefold()


LOOKUP: dict[str, str] = {normalise(a): f for f, aliases in ALIASES.items() for a in aliases}
_GUARDIAN = re.compile(rf"^({'|'.join(normalise(p) for p in GUARDIAN_PREFIXES)})([1-9])(.+)$")


def field_for(header: str, explicit: Mapping[str, str]) -> str | None:
    """The field a header maps to (``guardian1.email`` for guardian columns), or None."""
    if header in explicit:
        return explicit[header]
    key = normalise(header)
    if key in LOOKUP:
        return LOOKUP[key]
    match = _GUARDIAN.match(key)
    if match and int(match[2]) <= MAX_GUARDIANS:
        sub = LOOKUP.get(match[3], "")
        if sub in GUARDIAN_FIELDS:
            return f"guardian{match[2]}.{sub}"
    return None


def valid_field(name: str) -> bool:
    """Whether a name from a --columns file is a field this format knows."""
    if name in FIELDS:
        return True
    prefix, _, sub = name.partition(".")
    guardians = {f"guardian{n}" for n in range(1, MAX_GUARDIANS + 1)}
    return prefix in guardians and sub in GUARDIAN_FIELDS
