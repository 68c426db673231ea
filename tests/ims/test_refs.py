"""Full, delta and event feeds; forward references; target restriction."""

from __future__ import annotations

import pytest

from mapping.records import GuardianLink, Membership, Person, Scope
from tests.ims.xmlfeed import (
    collect,
    feed,
    group,
    line_of,
    member,
    membership,
    person,
    role,
    sourcedid,
)

ONE_OF_EACH = (person("p1"), group("c1"), membership("c1", member("p1", role())))


def guardian_of(*keys: str, kind: str = "guardian") -> str:
    """A PIFU extension naming contact persons."""
    contacts = "".join(
        f'<pifu_hasContactPerson type="{kind}">{sourcedid(key)}</pifu_hasContactPerson>'
        for key in keys
    )
    return f"<extension>{contacts}</extension>"


@pytest.mark.parametrize(
    ("mode", "default", "full"),
    [
        ("full", "delta", True),
        ("delta", "full", False),
        ("event", "full", False),
        (None, "full", True),
        (None, "delta", False),
    ],
)
def test_mode(mode: str | None, default: str, full: bool) -> None:
    read = collect(feed(*ONE_OF_EACH, mode=mode), default_mode=default)
    scopes = [s.entity for s in read.of(Scope)]
    assert scopes == (["accounts", "groups", "memberships"] if full else [])
    if full:
        assert read.items[-3:] == read.of(Scope)  # Scopes come last


def test_full_scopes_only_the_entities_held() -> None:
    read = collect(feed(person("p1"), mode="full"))
    assert [s.entity for s in read.of(Scope)] == ["accounts", "memberships"]
    data = feed(
        person("p1", extra=guardian_of("g1")),
        person("g1"),
        group("s1", typevalue="skole"),
        mode="full",
    )
    scopes = [s.entity for s in collect(data).of(Scope)]
    assert scopes == ["accounts", "nodes", "memberships", "guardian_links"]


def test_unknown_type_reads_as_default() -> None:
    read = collect(feed(*ONE_OF_EACH, mode="snapshot"), default_mode="delta")
    assert read.tally() == {
        "warning:unknown_feed_type": 1,
        "person": 1,
        "group:course": 1,
        "membership": 1,
    }


@pytest.mark.parametrize("mode", ["full", "delta"])
def test_membership_before_person_and_group(mode: str) -> None:
    data = feed(
        membership("c1", member("p1", role())),
        person("p1"),
        group("c1"),
        mode=mode,
    )
    read = collect(data)
    assert read.issues == []
    assert [(m.person, m.group, m.line) for m in read.memberships] == [("p1", "c1", 4)]
    if mode == "full":  # held until the person and group appear
        assert read.items.index(read.memberships[0]) > read.items.index(read.person("p1"))


def test_full_feed_reports_never_resolved_references() -> None:
    data = feed(
        person("p1"),
        group("c1"),
        membership("c1", member("p1", role()), member("ghost", role("02"))),
        membership("nowhere", member("p1", role())),
        mode="full",
    )
    read = collect(data)
    assert read.tally() == {
        "person": 1,
        "group:course": 1,
        "membership": 1,
        "error:unresolved_reference": 2,
        "scope:accounts": 1,
        "scope:groups": 1,
        "scope:memberships": 1,
    }
    ghost, nowhere = read.issues
    assert (ghost.entity, ghost.key, ghost.line) == (
        "memberships",
        "ghost@c1",
        line_of(data, '<role roletype="02"'),
    )
    assert "person 'ghost'" in ghost.message
    assert (nowhere.key, nowhere.line) == ("p1@nowhere", 7)
    assert "group 'nowhere'" in nowhere.message


def test_a_full_feed_of_memberships_alone_passes_its_references_on() -> None:
    # PIFU-IMS's membership example: <type>full</type>, no <person>, no <group>.
    data = feed(membership("c9", member("p9", role())), mode="full")
    read = collect(data)
    assert read.tally() == {"membership": 1, "scope:accounts": 1, "scope:memberships": 1}
    assert (read.memberships[0].person, read.memberships[0].group) == ("p9", "c9")


def test_delta_feed_passes_unknown_references_on() -> None:
    data = feed(membership("c9", member("p9", role())), mode="delta")
    read = collect(data)
    assert read.tally() == {"membership": 1}
    assert (read.memberships[0].person, read.memberships[0].group) == ("p9", "c9")


def test_guardian_links_forward_and_missing() -> None:
    data = feed(
        person("s1", extra=guardian_of("g1", "g2")),
        person("g1"),
        mode="full",
    )
    read = collect(data)
    assert [(x.guardian, x.student) for x in read.of(GuardianLink)] == [("g1", "s1")]
    (missing,) = read.issues
    assert (missing.code, missing.entity, missing.key) == (
        "unresolved_reference",
        "guardian_links",
        "g2",
    )
    assert missing.line == 4


def test_guardian_link_in_delta_feed() -> None:
    read = collect(feed(person("s1", extra=guardian_of("g1"))))
    assert read.tally() == {"person": 1, "guardian_link": 1}


def test_next_of_kin_is_noted_once() -> None:
    data = feed(
        person("s1", extra=guardian_of("k1", kind="nextOfKin")),
        person("s2", extra=guardian_of("k2", kind="nextOfKin")),
    )
    assert collect(data).tally() == {"person": 2, "info:ignored_contact": 1}


def test_deleted_student_deletes_links() -> None:
    read = collect(feed(person("s1", recstatus="3", extra=guardian_of("g1"))))
    assert [link.deleted for link in read.of(GuardianLink)] == [True]


@pytest.mark.parametrize(
    ("targets", "target", "skipped"),
    [
        ((), "", False),
        (("lms",), "", False),
        (("lms", "moodle"), "moodle", False),
        (("lms",), "moodle", True),
        ((), "moodle", True),
    ],
)
def test_target(targets: tuple[str, ...], target: str, skipped: bool) -> None:
    read = collect(feed(*ONE_OF_EACH, mode="full", targets=targets), target=target)
    if skipped:
        assert read.tally() == {"info:target_mismatch": 1}  # and no Scope: nothing is removed
    else:
        assert read.of(Membership) and read.of(Scope)


def test_target_without_properties_is_skipped() -> None:
    data = b"<enterprise>" + person("p1").encode() + b"</enterprise>"
    assert collect(data, target="moodle").tally() == {"info:target_mismatch": 1}
    assert collect(data).tally() == {"person": 1}


def test_empty_enterprise() -> None:
    assert collect(b"<enterprise/>", default_mode="full").tally() == {
        "scope:accounts": 1,
        "scope:memberships": 1,
    }


def test_late_properties_are_ignored() -> None:
    data = (
        b"<enterprise>"
        + person("p1").encode()
        + b"<properties><datasource>x</datasource><type>full</type></properties></enterprise>"
    )
    read = collect(data)
    assert read.tally() == {"person": 1, "warning:misplaced_properties": 1}
    assert read.of(Person)[0].key == "p1"
