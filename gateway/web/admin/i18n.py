"""Languages: English, Norwegian bokmål and Swedish, from a cookie or Accept-Language.

The catalogues are the committed .po files, compiled in memory the first time a
language is asked for, so a fresh clone needs no build step.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from io import BytesIO
from pathlib import Path

from aiohttp import web
from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

LOCALES = {"en": "English", "nb": "Norsk bokmål", "sv": "Svenska"}
DEFAULT = "en"
COOKIE = "rostergate_lang"
CATALOGUES = Path(__file__).parent / "locale"
# Language tags a browser may send for a language we have under another name.
ALIASES = {"no": "nb", "nn": "nb"}


@cache
def translations(locale: str) -> NullTranslations:
    """The compiled catalogue of one language (English is the source text)."""
    po = CATALOGUES / locale / "LC_MESSAGES" / "messages.po"
    if locale == DEFAULT or not po.exists():
        return NullTranslations()
    with po.open("rb") as file:
        catalog = read_po(file, locale=locale)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def _accepted(header: str) -> list[str]:
    """The languages of an Accept-Language header, most wanted first."""
    weighted = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, position, tag.split("-")[0].lower()))
    return [tag for _, _, tag in sorted(weighted)]


def choose(request: web.Request) -> str:
    """The language for this request: ``?lang=``, the cookie, then Accept-Language."""
    for asked in (request.query.get("lang", ""), request.cookies.get(COOKIE, "")):
        if asked in LOCALES:
            return asked
    for tag in _accepted(request.headers.get("Accept-Language", "")):
        tag = ALIASES.get(tag, tag)
        if tag in LOCALES:
            return tag
    return DEFAULT


def when(value: datetime | None, locale: str) -> str:
    """A stored (naive UTC) time as the language writes dates and times."""
    if value is None:
        return ""
    return format_datetime(value.replace(tzinfo=UTC), "medium", tzinfo=UTC, locale=locale)


def number(value: int | float, locale: str) -> str:
    """A number with the language's digit grouping and decimal sign."""
    return format_decimal(value, locale=locale)
