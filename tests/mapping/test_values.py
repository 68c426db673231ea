"""Values the store cannot hold: each kind of record, each kind of fault, and the limits."""

from __future__ import annotations

from array import array

import pytest
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import String

from gateway.store import models as m
from mapping.records import (
    Group,
    GuardianLink,
    Membership,
    MembershipBatch,
    Org,
    Person,
    Record,
    RoleClaim,
    RowIssue,
    Scope,
)
from mapping.values import LIMITS, checked, email_problem, problem

# Every column a record's value is stored in, by the kind of value LIMITS names.
COLUMNS = {
    "key": [m.Account.sync_key, m.Node.sync_key, m.Group.sync_key],
    "name": [m.Account.given_name, m.Account.family_name, m.Node.name, m.Group.name],
    "username": [m.Account.username, m.Account.username_key],
    "email": [m.Account.email],
    "role": [m.RoleMatch.role, m.RoleMatch.role_key],
}


def test_limits_match_the_store_columns() -> None:
    for kind, columns in COLUMNS.items():
        for column in columns:
            kind_of_column = column.property.columns[0].type
            assert isinstance(kind_of_column, String)
            assert (str(column), kind_of_column.length) == (str(column), LIMITS[kind])
    assert m.Group.subjects.property.columns[0].type.__class__.__name__ == "Text"


def run(*items: Record | RowIssue) -> list[tuple[str, ...] | Record]:
    """What ``checked`` yields: records as they are, issues as (severity, code, key, message)."""
    return [
        (i.severity, i.code, i.key, i.message) if isinstance(i, RowIssue) else i
        for i in checked(items)
    ]


def test_good_records_pass_unchanged() -> None:
    records: list[Record] = [
        Person("p1", "Åse\tMarie", "Ødegård", "ase.o", "åse@nordby.no", (RoleClaim("01", "S1"),)),
        Org("S1", "Nordby skole", "school"),
        Group("G1", "Matte 8A", "subject", school="S1", subjects=("Matematikk",)),
        Membership("p1", "G1", "01", key="E1"),
        GuardianLink("g1", "p1"),
        Scope("accounts"),
    ]
    assert [item for item in checked(records)] == records
    assert all(a is b for a, b in zip(checked(records), records, strict=True))


@pytest.mark.parametrize(
    ("record", "code", "message"),
    [
        (Person("k" * 256, "A", "B"), "value_too_long", "key is 256 characters long"),
        (
            Person("p", "A\nB", "C"),
            "control_character",
            "given_name holds a control character (U+000A) at position 2",
        ),
        (
            Person("p", "A", "B\x00"),
            "control_character",
            "family_name holds a control character (U+0000) at position 2",
        ),
        (Person("p", "A", "B", username="a/b"), "invalid_username", "username holds characters"),
        (Person("p", "A", "B", username="a\tb"), "control_character", "username holds"),
        (Org("S1", "N" * 256, "school"), "value_too_long", "name is 256 characters long"),
        (Org("S1", "N", "school", parent="\x01"), "control_character", "parent holds"),
        (Group("G1", "M", "subject", school="S\x00"), "control_character", "school holds"),
        (Group("G1", "M", "course", course="c" * 300), "value_too_long", "course is 300"),
        (Membership("p\x00", "G1", "01"), "control_character", "person holds"),
        (Membership("p", "G1", "r" * 101), "value_too_long", "role is 101 characters long"),
        (GuardianLink("g" * 256, "p"), "value_too_long", "guardian is 256"),
    ],
)  # fmt: skip
def test_a_bad_key_name_username_or_role_skips_the_record(
    record: Record, code: str, message: str
) -> None:
    [(severity, found, _key, text)] = run(record)  # type: ignore[misc]
    assert (severity, found) == ("error", code)
    assert text.startswith(message) and text.endswith("; skipped")


def test_a_bad_optional_field_is_dropped_with_a_warning() -> None:
    sent = Person(
        "p1",
        "Ada",
        "Berg",
        email="ada@@nordby.no",
        old_key="o" * 256,
        roles=(RoleClaim("student"), RoleClaim("x\x00"), RoleClaim("01", "S\x07")),
        orgs=("S1", "S" * 256),
    )
    *issues, kept = run(sent)
    assert [(i[0], i[1], i[3].split()[0]) for i in issues] == [  # type: ignore[index]
        ("warning", "invalid_email", "email"),
        ("warning", "value_too_long", "old_key"),
        ("warning", "control_character", "role"),
        ("warning", "control_character", "org"),
        ("warning", "value_too_long", "org"),
    ]
    assert kept == Person(
        "p1", "Ada", "Berg", email=None, roles=(RoleClaim("student"),), orgs=("S1",)
    )
    group = Group("G1", "M", "subject", subjects=("Matte", "Na\x00"))
    *issues, kept = run(group)
    assert [i[1] for i in issues] == ["control_character"]  # type: ignore[index]
    assert kept == Group("G1", "M", "subject", subjects=("Matte",))


def test_issues_name_a_bad_key_printably() -> None:
    [issue] = run(Person("p\x00" + "k" * 300, "A", "B"))
    key = issue[2]  # type: ignore[index]
    assert key.startswith("p\\x00kkk") and key.endswith("…") and len(key) == LIMITS["key"]
    [issue] = run(RowIssue("error", "x", "bad \x00 value\n\tsee", key="k\x00\t"))
    assert issue == ("error", "x", "k\\x00\\t", "bad \\x00 value\n\tsee")


@pytest.mark.parametrize(
    "email",
    [
        "ada@nordby.no",
        "ada.berg+8a@skole.nordby.kommune.no",
        "åse@nordby.no",
        "ada@xn--rstad-zra.no",
        "ada@nordby",
        "ada@skole.local",
        "ada@localhost",
        "ada..berg@nordby.no",
        ".ada@nordby.no",
        "ada@-nordby.no",
        "ada@nordby..no",
        "ada@@nordby.no",
        "ada",
        "@nordby.no",
        "ada@",
        "a" * 65 + "@nordby.no",
        "a@" + "b" * 250 + ".no",
        '"ada berg"@nordby.no',
        "ada@[127.0.0.1]",
        "ada berg@nordby.no",
    ],
)
def test_the_e_mail_fast_path_agrees_with_the_validator(email: str) -> None:
    try:
        validate_email(email, check_deliverability=False)
        valid = True
    except EmailNotValidError:
        valid = False
    assert (email_problem(email) is None) == valid


def test_length_comes_first_and_counts_characters() -> None:
    assert problem("ø" * 255, "name") is None
    assert problem("ø" * 256, "name") == (
        "value_too_long",
        "is 256 characters long, over the store's 255",
    )
    assert problem("a" * 320, "email") is not None  # too long for the validator, within 320


def test_a_membership_key_the_store_cannot_hold_skips_the_membership() -> None:
    good = Membership("P1", "G1", "student", key="E1")
    bad = [Membership("P1", "G1", "student", key=k) for k in ("E\x002", "E" * 256)]
    out = list(checked([good, *bad]))
    assert out[0] == good
    assert [(i.code, i.severity) for i in out[1:]] == [
        ("control_character", "error"),
        ("value_too_long", "error"),
    ]


def _batch(rows: list[tuple[str, str, str, str]]) -> MembershipBatch:
    """A batch of (person, group, role, key) rows on lines 2, 3, …"""
    persons, groups, roles = ({r[at]: None for r in rows} for at in range(3))
    ends = array("q", [0])
    for *_, key in rows:
        ends.append(ends[-1] + len(key.encode()))
    return MembershipBatch(
        list(persons),
        list(groups),
        list(roles),
        array("i", [list(persons).index(r[0]) for r in rows]),
        array("i", [list(groups).index(r[1]) for r in rows]),
        array("i", [list(roles).index(r[2]) for r in rows]),
        array("q", range(2, len(rows) + 2)),
        "".join(r[3] for r in rows).encode(),
        ends,
        file="enrollments.csv",
    )


def test_a_batch_keeps_its_rows_the_store_can_hold_as_a_batch() -> None:
    batch = _batch(
        [("P1", "G1", "student", "E1"), ("P2", "G1", "student", "E" * 256),
         ("P" * 256, "G2", "teacher", "E3"), ("P1", "G2", "x" * 101, "E4"),
         ("P3", "G2", "teacher", "E5")]
    )  # fmt: skip
    out = list(checked([batch]))
    issues = [(i.code, i.key, i.line) for i in out if isinstance(i, RowIssue)]
    assert issues == [
        ("value_too_long", "P2@G1", 3),
        ("value_too_long", "P" * 254 + "…", 4),
        ("value_too_long", "P1@G2", 5),
    ]
    (kept,) = [i for i in out if isinstance(i, MembershipBatch)]
    assert [kept.membership(row) for row in range(len(kept))] == [
        Membership("P1", "G1", "student", key="E1", line=2, file="enrollments.csv"),
        Membership("P3", "G2", "teacher", key="E5", line=6, file="enrollments.csv"),
    ]
    assert (kept.persons, kept.groups, kept.roles) == (
        ["P1", "P3"],
        ["G1", "G2"],
        ["student", "teacher"],
    )


def test_a_batch_the_store_can_hold_passes_as_it_is() -> None:
    batch = _batch([("P1", "G1", "student", "E1"), ("P2", "G1", "student", "E2")])
    assert next(iter(checked([batch]))) is batch
    (issue,) = checked([_batch([("P1", "G1", "student", "E" * 256)])])  # no row left: no batch
    assert isinstance(issue, RowIssue) and issue.code == "value_too_long"
