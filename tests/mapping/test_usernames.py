"""Usernames: kept when free, generated MaSc → MarSch → MaSc2, Nordic letters transliterated."""

from __future__ import annotations

import itertools

import pytest

from mapping.usernames import allocate, candidates, transliterate, username_key


@pytest.mark.parametrize(
    ("name", "ascii_letters"),
    [
        ("Åse", "Ase"),
        ("Ødegård", "Odegard"),
        ("Bjørn", "Bjorn"),
        ("Sæther", "Saether"),
        ("Äppel", "Appel"),
        ("Öberg", "Oberg"),
        ("Müller", "Muller"),
        ("Strauß", "Strauss"),
        ("José", "Jose"),
        ("Nuñez", "Nunez"),
        ("O'Brien-Smith", "OBrienSmith"),
        ("Łukasz", "Lukasz"),
    ],
)
def test_transliterate(name: str, ascii_letters: str) -> None:
    assert transliterate(name) == ascii_letters


def test_candidates_follow_the_rule_chain() -> None:
    assert list(itertools.islice(candidates("Maria", "Schneider"), 5)) == [
        "MaSc",
        "MarSch",
        "MaSc2",
        "MaSc3",
        "MaSc4",
    ]


def test_candidates_use_first_words_and_title_case() -> None:
    assert next(candidates("ola tobias", "van der berg")) == "OlVa"
    assert next(candidates("ÆSA", "ØRN")) == "AeOr"


def test_short_names_skip_a_repeat() -> None:
    # "Li Wu" gives LiWu for both 2+2 and 3+3, so the numbered form comes next.
    assert list(itertools.islice(candidates("Li", "Wu"), 3)) == ["LiWu", "LiWu2", "LiWu3"]


def test_generation_walks_past_taken_names_case_insensitively() -> None:
    taken = {"masc", "MARSCH".casefold()}
    assert allocate(None, "Maria", "Schneider", "generate-if-taken", taken) == (
        "MaSc2",
        "generated",
    )
    assert "masc2" in taken
    assert allocate(None, "Marius", "Schulz", "generate-if-taken", taken) == ("MaSc3", "generated")


def test_sent_username_kept_when_free_generated_when_taken() -> None:
    taken: set[str] = set()
    assert allocate("maria", "Maria", "Schneider", "generate-if-taken", taken) == ("maria", "kept")
    assert allocate("MARIA", "Maria", "Schneider", "generate-if-taken", taken) == (
        "MaSc",
        "generated",
    )


def test_keep_mode_never_generates() -> None:
    taken = {username_key("Maria")}
    assert allocate("maria", "Maria", "Schneider", "keep", taken) == (None, "taken")
    assert allocate(None, "Maria", "Schneider", "keep", taken) == (None, "missing")


def test_generate_mode_ignores_the_sent_username() -> None:
    assert allocate("maria", "Maria", "Schneider", "generate", set()) == ("MaSc", "generated")


def test_names_without_letters_cannot_be_generated() -> None:
    assert allocate(None, "123", "456", "generate", set()) == (None, "ungeneratable")
