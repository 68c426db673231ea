"""Header names of the gateway's own CSV, in Norwegian, Swedish, Danish and English."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

from mapping.records import OrgKind

FIELDS = (
    "sync_key",
    "given_name",
    "family_name",
    "username",
    "email",
    "role",
    "school",
    "password",
)
# Columns that name a node under the school, outermost first; any number of them, in the
# order of the header, except that the class (a node with members) is always the innermost.
LEVELS: dict[str, OrgKind] = {"level": "department", "year": "year", "class": "class"}
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
    "level": ("level", "nivå", "programme", "program", "programområde", "utdanningsprogram",
              "studieretning", "department", "avdeling", "avdelning", "afdeling"),
    "year": ("year", "år", "årskurs", "trinn", "klassetrinn", "årgang", "grade"),
    "class": ("class", "klasse", "klass", "basisgruppe"),
    "role": ("role", "rolle", "roll"),
    "school": ("school", "skole", "skola", "skolenavn"),
    "password": ("password", "passord", "lösenord", "losenord", "adgangskode", "kodeord"),
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

# What a --columns file gives a header: one field, or several ("E-post" = ["sync_key", "email"]).
Explicit = Mapping[str, str | Sequence[str]]


def normalise(header: str) -> str:
    """Fold a header for matching: invisible characters, case, spaces and punctuation go."""
    text = "".join(c for c in header if unicodedata.category(c)[0] not in "CZ")
    return re.sub(r"[\s\-_.]+", "", text).casefold()


LOOKUP: dict[str, str] = {normalise(a): f for f, aliases in ALIASES.items() for a in aliases}
_GUARDIAN = re.compile(rf"^({'|'.join(normalise(p) for p in GUARDIAN_PREFIXES)})([0-9]+)(.+)$")
_NUMBERED_LEVEL = re.compile(r"^(.+?)[0-9]+$")  # "Level 1", "Nivå 2": levels in header order


def recognised(header: str) -> str | None:
    """The field a header names by itself (``guardian3.email`` for guardian columns), or None."""
    key = normalise(header)
    if key in LOOKUP:
        return LOOKUP[key]
    match = _GUARDIAN.match(key)
    if match and int(match[2]) > 0:
        sub = LOOKUP.get(match[3], "")
        if sub in GUARDIAN_FIELDS:
            return f"guardian{int(match[2])}.{sub}"
    numbered = _NUMBERED_LEVEL.match(key)
    if numbered and LOOKUP.get(numbered[1]) in LEVELS:
        return LOOKUP[numbered[1]]
    return None


def fields_for(header: str, explicit: Explicit) -> tuple[str, ...]:
    """The fields a header maps to: those a --columns file gives it, else the one it names."""
    given = explicit.get(header)
    if given is None:
        own = recognised(header)
        return (own,) if own else ()
    return (given,) if isinstance(given, str) else tuple(given)


def also(header: str, explicit: Explicit) -> str | None:
    """What a column chosen as the sync key holds besides, by its header's own name.

    ``E-post`` made the key is still the e-mail (where no other column gives one).
    """
    if header not in explicit or fields_for(header, explicit) != ("sync_key",):
        return None
    own = recognised(header)
    return own if own != "sync_key" else None


def valid_field(name: str) -> bool:
    """Whether a name from a --columns file is a field this format knows."""
    if name in FIELDS or name in LEVELS:
        return True
    prefix, _, sub = name.partition(".")
    return re.fullmatch("guardian[1-9][0-9]*", prefix) is not None and sub in GUARDIAN_FIELDS
