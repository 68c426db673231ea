"""Every text of the admin UI is in the catalogues, translated into bokmål and Swedish."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from gateway.web.admin import i18n

ROOT = Path(__file__).parents[4]
METHODS = [
    ("gateway/web/admin/**.py", "python"),
    ("gateway/web/admin/templates/**.html", "jinja2"),
]
OPTIONS = {"gateway/web/admin/templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def test_every_text_is_translated_in_both_languages() -> None:
    texts = {
        message
        for _, _, message, _, _ in extract_from_dir(ROOT, METHODS, OPTIONS)
        if isinstance(message, str)
    }
    assert "Held for approval" in texts and len(texts) > 100
    for locale in ("nb", "sv"):
        po = i18n.CATALOGUES / locale / "LC_MESSAGES" / "messages.po"
        with po.open("rb") as file:
            catalogue = read_po(file, locale=locale)
        translated = {m.id for m in catalogue if m.id and m.string and not m.fuzzy}
        assert texts - translated == set(), f"{locale}: run `make messages` and translate"


def test_the_language_comes_from_the_cookie_then_accept_language() -> None:
    assert i18n._accepted("sv-SE;q=0.5, nb;q=0.9, en;q=0.1") == ["nb", "sv", "en"]
    assert i18n.translations("sv").gettext("Dashboard") == "Översikt"
    assert i18n.translations("nb").gettext("Dashboard") == "Oversikt"
    assert i18n.number(12345.5, "nb") == "12\xa0345,5"
    assert i18n.number(12345.5, "en") == "12,345.5"
