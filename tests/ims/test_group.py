"""Groups: the typevalue table, parents, placement under schools and courses, orgunits."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ims import types
from mapping.records import Group, Org
from tests.ims.xmlfeed import FIXTURES, collect, feed, group, person

PIFU_WORDS = [
    "skoleeier",
    "skole",
    "basisgruppe",
    "undervisningsgruppe",
    "kontaktlærergruppe",
    "trinn",
    "utdanningsprogram",
    "programområde",
    "fag",
    "foresattegruppe",
    "språkopplæring",
    "sammensattgruppe",
    "elevråd",
    "fau",
    "skoleutvalg",
    "skolemiljøutvalg",
    "sfo",
    "eksamensgruppe",
]


def test_every_pifu_typevalue_is_in_the_table() -> None:
    xsd = (FIXTURES / "PIFU-IMS_SAS.xsd").read_text(encoding="utf-8")
    start = xsd.index('<xs:simpleType name="t_groupschematypevalue">')
    block = xsd[start : xsd.index("</xs:simpleType>", start)]
    enumerated = [line.split('"')[1] for line in block.splitlines() if "xs:enumeration" in line]
    assert enumerated == PIFU_WORDS
    assert all(word in types.TYPEVALUES for word in enumerated)


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("skoleeier", "org:school_owner"),
        ("skole", "org:school"),
        ("trinn", "org:year"),
        ("basisgruppe", "org:class"),
        ("undervisningsgruppe", "group:subject"),
        ("fag", "group:course"),
        ("kontaktlærergruppe", "group:subject"),
        ("utdanningsprogram", "org:department"),
        ("programområde", "org:department"),
        ("sfo", "org:department"),
        ("foresattegruppe", "group:subject"),
        ("eksamensgruppe", "group:subject"),
        ("School", "org:school"),
        ("Course", "group:course"),
        ("CourseGroup", "group:subject"),
    ],
)
def test_typevalue(word: str, kind: str) -> None:
    assert collect(feed(group("g1", typevalue=word))).tally() == {kind: 1}


def test_no_grouptype_is_a_course() -> None:
    read = collect(feed(group("g1", "Maths")))
    assert read.tally() == {"group:course": 1}
    assert read.group("g1").name == "Maths"


def test_unknown_typevalue_is_a_course_noted_once() -> None:
    data = feed(group("g1", typevalue="Term"), group("g2", typevalue="Term"))
    read = collect(data)
    assert read.tally() == {"info:unknown_grouptype": 1, "group:course": 2}
    assert read.issues[0].line == 4


def test_first_known_typevalue_wins() -> None:
    grouptypes = (
        "<grouptype><scheme>x</scheme><typevalue level='1'>Whatever</typevalue></grouptype>"
        "<grouptype><scheme>pifu-ims-go-org</scheme><typevalue level='2'>skole</typevalue>"
        "</grouptype>"
    )
    data = feed(f"<group><sourcedid><id>s1</id></sourcedid>{grouptypes}</group>")
    assert collect(data).tally() == {"org:school": 1}


def test_names_fall_back() -> None:
    description = "<description><long>Long</long><full>Full</full></description>"
    data = feed(
        f"<group><sourcedid><id>g1</id></sourcedid>{description}</group>",
        "<group><sourcedid><id>g2</id></sourcedid><description><full>Full</full></description></group>",
        "<group><sourcedid><id>g3</id></sourcedid><description><short/></description></group>",
    )
    read = collect(data)
    assert [g.name for g in read.of(Group)] == ["Long", "Full", "g3"]


def test_hierarchy_and_placement() -> None:
    data = feed(
        group("owner", "Kommune", typevalue="skoleeier", parent="owner"),
        group("school", "Skole", typevalue="skole", parent="owner"),
        group("year8", "8", typevalue="trinn", parent="school"),
        group("8a", "8A", typevalue="basisgruppe", parent="year8"),
        group("maths", "Maths", typevalue="Course", parent="school"),
        group("maths-8a", "Maths 8A", typevalue="CourseGroup", parent="maths"),
        group("club", "Club", typevalue="elevråd", parent="8a"),
    )
    read = collect(data)
    assert [(o.key, o.kind, o.parent) for o in read.of(Org)] == [
        ("owner", "school_owner", ""),
        ("school", "school", "owner"),
        ("year8", "year", "school"),
        ("8a", "class", "year8"),
    ]
    assert [(g.key, g.kind, g.school, g.course) for g in read.of(Group)] == [
        ("maths", "course", "school", ""),
        ("maths-8a", "subject", "school", "maths"),
        ("club", "subject", "school", ""),
    ]


def test_group_before_its_ancestors_is_placed_at_the_end() -> None:
    data = feed(
        group("maths-8a", typevalue="CourseGroup", parent="maths"),
        group("maths", typevalue="Course", parent="school"),
        group("school", typevalue="School"),
    )
    read = collect(data)
    assert read.issues == []
    placed = read.group("maths-8a")
    assert (placed.school, placed.course, placed.line) == ("school", "maths", 4)
    # both wait for the school (an Org, yielded at once), then come in document order
    assert [item.key for item in read.of(Org) + read.of(Group)] == ["school", "maths-8a", "maths"]
    assert read.items[0] == read.org("school")


def test_group_whose_parent_never_comes_names_it_as_school() -> None:
    # The engine walks up from that key in its store (and reports it when missing).
    read = collect(feed(group("g1", parent="stored-school")))
    assert (read.group("g1").school, read.group("g1").course) == ("stored-school", "")


def test_group_under_a_node_with_no_school_above() -> None:
    data = feed(group("owner", typevalue="skoleeier"), group("g1", parent="owner"))
    assert collect(data).group("g1").school == ""


def test_parent_cycle_ends() -> None:
    data = feed(
        group("a", typevalue="trinn", parent="b"),
        group("b", typevalue="trinn", parent="a"),
        group("g1", parent="a"),
    )
    assert collect(data).group("g1").school == ""


def test_group_timeframe_and_recstatus() -> None:
    timeframe = (
        "<timeframe><begin restrict='0'>2024-08-15</begin><end>2025-06-20</end>"
        "<adminperiod>2024/2025</adminperiod></timeframe>"
    )
    data = feed(group("g1", extra=timeframe), group("g2", recstatus="3"))
    read = collect(data)
    assert (read.group("g1").begin, read.group("g1").end) == (date(2024, 8, 15), date(2025, 6, 20))
    assert read.group("g2").deleted


def test_bad_group_date() -> None:
    read = collect(feed(group("g1", extra="<timeframe><end>soon</end></timeframe>")))
    assert read.tally() == {"warning:invalid_date": 1, "group:course": 1}
    assert (read.issues[0].entity, read.issues[0].key) == ("groups", "g1")


def test_group_without_key() -> None:
    read = collect(feed("<group><description><short>x</short></description></group>"))
    assert read.tally() == {"error:missing_key": 1}


def test_orgunits_become_nodes_once() -> None:
    org = "<org><orgname>Uni</orgname><orgunit>Science</orgunit><orgunit>Maths</orgunit></org>"
    data = feed(
        group("c1", extra=org),
        group("c2", extra=org),
        group("c3", extra="<org><orgunit>Science</orgunit></org>"),
        group("c4", extra="<org><orgunit/><orgunit>Lost</orgunit></org>"),
    )
    read = collect(data)
    assert [(o.key, o.name, o.kind, o.parent) for o in read.of(Org)] == [
        ("Science", "Science", "school", ""),
        ("Science/Maths", "Maths", "department", "Science"),
    ]
    assert [g.school for g in read.of(Group)] == ["Science", "Science", "Science", ""]


def test_orgunit_ignored_when_there_is_a_parent() -> None:
    data = feed(
        group("s1", typevalue="skole"),
        group("c1", parent="s1", extra="<org><orgunit>Elsewhere</orgunit></org>"),
    )
    read = collect(data)
    assert read.tally() == {"org:school": 1, "group:course": 1}
    assert read.group("c1").school == "s1"


def test_classify_is_data_driven() -> None:
    assert types.classify([]) == (types.DEFAULT, "")
    assert types.classify(["Nope", "SKOLE"]) == (types.SCHOOL, "")
    assert types.classify(["Nope", "Nix"]) == (types.DEFAULT, "Nope")
    assert Path(types.__file__).name == "types.py"


def test_people_and_groups_do_not_share_keys() -> None:
    # A person and a group may carry the same key: only persons resolve person references.
    data = feed(person("x1"), group("x1"))
    assert collect(data).tally() == {"person": 1, "group:course": 1}
