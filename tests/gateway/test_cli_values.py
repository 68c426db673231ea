"""Values the store cannot hold, in every format, end to end on SQLite and PostgreSQL.

Issue 10 item 2: on PostgreSQL one over-long name or key, an over-long e-mail or a NUL
byte failed the whole import with a traceback on every retry, while SQLite stored the
same as is. Now each is a row issue, the same on both stores, and the rest is imported.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.ims.xmlfeed import feed, person
from tests.support.cli import Cli
from tests.support.packages import User, World

LONG_KEY = "K" * 256
LONG_EMAIL = "l" * 311 + "@nordby.no"  # 321 characters, over the column's 320
# (key, given, family, username, e-mail): one good person, then one fault each.
PEOPLE = [
    ("K1", "Ada", "Berg", "ada", "ada@nordby.no"),
    ("K2", "Bo", "Berg", "", "not-an-email"),  # e-mail dropped, account created
    ("K3", "X" * 300, "Dahl", "", ""),  # name over 255: skipped
    (LONG_KEY, "Eva", "Lie", "", ""),  # key over 255: skipped
    ("K5", "Per", "Lie", "per lie", ""),  # a space in a username: skipped
    ("K6", "Liv", "Lie", "", LONG_EMAIL),  # e-mail over 320: dropped, account created
    ("K7", "Ola", "Da\x00hl", "", ""),  # NUL in a name: skipped (XML cannot carry one)
]
ISSUES = [
    ("warning", "invalid_email", "K2"),
    ("error", "value_too_long", "K3"),
    ("error", "value_too_long", "K" * 254 + "…"),
    ("error", "invalid_username", "K5"),
    ("warning", "value_too_long", "K6"),
    ("error", "control_character", "K7"),
]
ACCOUNTS = {"K1": ("ada", "ada@nordby.no"), "K2": ("BoBe", ""), "K6": ("LiLi", "")}


def csv_feed(tmp_path: Path) -> tuple[Path, list[str], int]:
    """The gateway's own CSV: rows from line 2."""
    rows = ["Synkroniseringsnøkkel;Fornavn;Etternavn;Brukernavn;E-post"]
    rows += [";".join(p) for p in PEOPLE]
    path = tmp_path / "pupils.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path, ["--school", "Nordby skole", "--role", "elev"], 2


def oneroster_feed(tmp_path: Path) -> tuple[Path, list[str], int]:
    """A OneRoster bulk package: users.csv rows from line 2."""
    users = [User(k, g, f, username=u, email=e) for k, g, f, u, e in PEOPLE]
    return World(users=users).write(tmp_path / "package"), [], 2


def ims_feed(tmp_path: Path) -> tuple[Path, list[str], int]:
    """An IMS document: persons from line 4 (without K7: XML 1.0 cannot hold a NUL)."""
    role = '<institutionrole institutionroletype="Student"/>'
    parts = [
        person(k, g, f, userid=u or None, extra=(f"<email>{e}</email>" if e else "") + role)
        for k, g, f, u, e in PEOPLE[:-1]
    ]
    path = tmp_path / "pupils.xml"
    path.write_bytes(feed(*parts))
    return path, [], 4


FORMATS: dict[str, Callable[[Path], tuple[Path, list[str], int]]] = {
    "csv": csv_feed,
    "oneroster": oneroster_feed,
    "ims": ims_feed,
}


def line_of(key: str) -> int:
    """The position of a person in PEOPLE (its row in every feed, from the first row)."""
    return next(i for i, p in enumerate(PEOPLE) if p[0] == key or key.startswith(p[0][:3]))


@pytest.mark.parametrize("fmt", FORMATS)
def test_values_the_store_cannot_hold_are_row_issues(cli: Cli, tmp_path: Path, fmt: str) -> None:
    path, args, first = FORMATS[fmt](tmp_path)
    result = cli("import", str(path), "--format", fmt, "--json", *args)
    assert result.code == 0, result.err or result.out
    report: dict[str, Any] = result.json()
    expected = [i for i in ISSUES if fmt != "ims" or i[2] != "K7"]
    found = [(i["severity"], i["code"], i["key"]) for i in report["issues"]]
    assert found == expected
    assert [i["line"] for i in report["issues"]] == [first + line_of(i[2]) for i in expected]
    assert report["counts"]["accounts"]["created"] == len(ACCOUNTS)
    stored = {a["sync_key"]: (a["username"], a["email"]) for a in cli.json("list", "accounts")}
    assert stored == ACCOUNTS
    # Nothing the store refused: the same feed again changes nothing and says the same.
    again = cli.json("import", str(path), "--format", fmt, *args)
    assert [(i["severity"], i["code"], i["key"]) for i in again["issues"]] == expected
    assert again["counts"]["accounts"]["unchanged"] == len(ACCOUNTS)
