"""The profile settings catalogue: every row well-formed, the standard profiles' defaults as the
LMS ships them, values parsed and refused with the reason, and every text translated."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from mapping.profile_settings import STANDARD, ProfileValueError, catalogue, extract

ROOT = Path(__file__).parents[2]
CATALOGUES = ROOT / "gateway" / "web" / "admin" / "locale"


def test_the_standard_profiles_start_as_the_lms_ships_them() -> None:
    found = catalogue()
    assert len(found.settings) == 76 and len({s.key for s in found.settings}) == 76
    assert [s for s, _ in found.sections()][:3] == ["Basic", "Communication", "Content"]
    levels = [found.defaults(name, 0)["security_level"] for name in STANDARD]
    assert levels == [100, 50, 30, 20, 12, 10]
    quota = [found.defaults(name, 0)["storage_quota_kb"] for name in STANDARD]
    assert quota == [51200] * 5 + [0]
    assert [found.defaults(n, 0)["auto_logout_min"] for n in STANDARD] == [30, 30, 80, 80, 80, 80]
    assert found.defaults("Skoleleder", 40) == found.defaults("Staff", 30)  # the one below
    assert found.defaults("Besøk", 5) == found.defaults("Guest", 10)


@pytest.mark.parametrize(
    ("key", "text", "value"),
    [
        ("calendar", "✗", False),
        ("calendar", " On ", True),
        ("storage_quota_kb", "51200 kb", 51200),
        ("auto_logout_min", "480min", 480),
        ("library_share_level", "Community", "community"),
    ],
)
def test_values_are_read_from_words(key: str, text: str, value: object) -> None:
    assert catalogue()[key].parse(text) == value


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("auto_logout_min", "0", "auto_logout_min must be at least 1, not 0"),
        ("create_courses", "community", "create_courses takes one of none, school, site, "
         "not 'community'"),
        ("storage_quota_kb", "-1", "storage_quota_kb must be at least 0, not -1"),
        ("match_profile", "elev", "match_profile cannot be changed: create a profile from one "
         "that has the value"),
    ],
)  # fmt: skip
def test_bad_values_say_why(key: str, value: str, message: str) -> None:
    with pytest.raises(ProfileValueError) as caught:
        catalogue()[key].parse(value)
    assert str(caught.value) == message


def test_every_catalogue_text_is_translated() -> None:
    methods = [
        ("mapping/profile_settings.py", "python"),
        ("mapping/profile_catalogue.csv", extract),
    ]
    texts = {m for _, _, m, _, _ in extract_from_dir(ROOT, methods) if isinstance(m, str)}
    assert "Storage quota" in texts and "very restricted" in texts and len(texts) > 100
    for locale in ("nb", "sv"):
        with (CATALOGUES / locale / "LC_MESSAGES" / "messages.po").open("rb") as file:
            po = read_po(file, locale=locale)
        translated = {m.id for m in po if m.id and m.string and not m.fuzzy}
        assert texts - translated == set(), f"{locale}: run `make messages` and translate"
