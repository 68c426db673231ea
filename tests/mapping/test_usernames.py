"""Usernames: kept when free, generated MaSc → MarSch → MaSc2, Nordic letters transliterated."""

from __future__ import annotations

import itertools

import pytest

from mapping.usernames import Usernames, candidates, transliterate, username_key


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
    assert Usernames(taken).allocate(None, "Maria", "Schneider", "generate-if-taken") == (
        "MaSc2",
        "generated",
    )
    assert "masc2" in taken
    assert Usernames(taken).allocate(None, "Marius", "Schulz", "generate-if-taken") == (
        "MaSc3",
        "generated",
    )


def test_sent_username_kept_when_free_generated_when_taken() -> None:
    taken: set[str] = set()
    assert Usernames(taken).allocate("maria", "Maria", "Schneider", "generate-if-taken") == (
        "maria",
        "kept",
    )
    assert Usernames(taken).allocate("MARIA", "Maria", "Schneider", "generate-if-taken") == (
        "MaSc",
        "generated",
    )


def test_keep_mode_never_generates() -> None:
    taken = {username_key("Maria")}
    assert Usernames(taken).allocate("maria", "Maria", "Schneider", "keep") == (None, "taken")
    assert Usernames(taken).allocate(None, "Maria", "Schneider", "keep") == (None, "missing")


def test_generate_mode_ignores_the_sent_username() -> None:
    assert Usernames(set()).allocate("maria", "Maria", "Schneider", "generate") == (
        "MaSc",
        "generated",
    )


def test_names_without_letters_cannot_be_generated() -> None:
    assert Usernames(set()).allocate(None, "123", "456", "generate") == (None, "ungeneratable")


def test_a_series_continues_where_it_got_to_and_skips_taken_numbers() -> None:
    usernames = Usernames({"masc3"})
    got = [usernames.allocate(None, "Maria", "Schneider", "generate")[0] for _ in range(5)]
    assert got == ["MaSc", "MarSch", "MaSc2", "MaSc4", "MaSc5"]
    assert usernames.allocate(None, "Mari", "Schulz", "generate") == ("MaSc6", "generated")


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Müller", "muller"),
        ("MÜLLER", "Muller"),
        ("Åse", "ase"),
        ("Søren", "soren"),
        ("José", "jose"),
    ],
)
def test_usernames_differing_in_case_or_diacritics_are_one(one: str, other: str) -> None:
    assert username_key(one) == username_key(other)
    usernames = Usernames(set())
    assert usernames.claim(one) is True
    assert usernames.claim(other) is False
