"""Every IMS fixture file, read with hand-counted expectations.

The numbers come from reading the XML (``grep -n`` for ``<person``, ``<group``,
``<member>``, ``<role``, ``recstatus``, ``<status>``), not from the reader's output;
the comment above each expectation says how it was counted.
"""

from __future__ import annotations

from datetime import date

import pytest

from mapping.records import GuardianLink
from tests.ims.xmlfeed import collect_file

# example.xml (Moodle, no namespace, no properties/type → delta by default):
# - 5 <person> (91046433, 90078058, 90182274, 90528553, DSTOW61), none with recstatus;
# - 1 <group> with no grouptype (→ course) and org/orgunit "Inconsequential studies"
#   (→ one school node, which the course belongs to);
# - 1 <membership> with 5 <member>, one <role> each: four roletype 01, one 02, all
#   <status>1</status> and no role recstatus → 5 live memberships;
# - delta: no Scope; nothing to report.
EXAMPLE = {"person": 5, "org:school": 1, "group:course": 1, "membership": 5}

# example-grouped.xml: as example.xml, plus <target>moodle</target>, <group recstatus="3">
# (deleted course), the second member's role recstatus="3" (deleted membership), the
# fourth member's role timeframe restrict="1" (2005-12-25..2005-12-31), and the fifth's
# role recstatus="2" (an update: still live) → 4 live + 1 deleted membership.
GROUPED = {
    "person": 5,
    "org:school": 1,
    "group:course": 1,
    "membership": 4,
    "membership:deleted": 1,
}

# example-oneline.xml: the data of example.xml on one line, but its <group> has no <org>
# → no school node.
ONELINE = {"person": 5, "group:course": 1, "membership": 5}

# PIFU-IMS_SAS_eksempel.xml (PIFU namespace, <type>full</type>):
# - 5 <person>: Janne Stor (Old/New sourcedid), Ola Nordmann, Morten Stor, Jon and Bertha
#   Nordmann; Janne has one pifu_hasContactPerson type="nextOfKin" (1 info note), Ola two
#   type="guardian" (Jon and Bertha, who come later in the file) → 2 guardian links.
# - 9 <group> by typevalue: skoleeier, skole, basisgruppe (class), undervisningsgruppe
#   (subject), kontaktlærergruppe (subject), trinn (year), utdanningsprogram and
#   programområde (department), fag (course).
# - 9 <membership>, 17 <member>, 18 <role>, all status 1 and no recstatus. Two memberships
#   name groups that are not in the file (global_ID_gr_Astr001_Måneflekken07 on line 1310
#   and global_ID_fag_Astr001 on line 1690), 2 roles each: in a full feed those 4 are
#   unresolved_reference errors (role lines 1328, 1365, 1708, 1738) → 14 memberships.
# - full → Scopes for accounts and memberships, and nodes, groups, guardian_links (held).
PIFU = {
    "person": 5,
    "org:school_owner": 1,
    "org:school": 1,
    "org:class": 1,
    "org:year": 1,
    "org:department": 2,
    "group:subject": 2,
    "group:course": 1,
    "membership": 14,
    "guardian_link": 2,
    "info:ignored_contact": 1,
    "error:unresolved_reference": 4,
    "scope:accounts": 1,
    "scope:nodes": 1,
    "scope:groups": 1,
    "scope:memberships": 1,
    "scope:guardian_links": 1,
}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("example.xml", EXAMPLE),
        ("example-grouped.xml", GROUPED),
        ("example-oneline.xml", ONELINE),
        ("PIFU-IMS_SAS_eksempel.xml", PIFU),
    ],
)
def test_fixture_counts(name: str, expected: dict[str, int]) -> None:
    assert collect_file(name).tally() == expected


def test_example_trims_ids_and_names() -> None:
    read = collect_file("example.xml")
    simon = read.person("91046433")
    assert (simon.given_name, simon.family_name, simon.username) == ("SIMON", "SHIKALISLAMI", None)
    assert read.person("DSTOW61").username == "CCAADAS"
    # member ids are sent as " 91046433  " and "DSTOW61 "
    assert [(m.person, m.role) for m in read.memberships] == [
        ("91046433", "01"),
        ("90078058", "01"),
        ("90182274", "01"),
        ("90528553", "01"),
        ("DSTOW61", "02"),
    ]
    assert {m.group for m in read.memberships} == {"PHRE1001A2005/06T1/2"}
    course = read.group("PHRE1001A2005/06T1/2")
    assert (course.name, course.school) == ("Phrenology", "Inconsequential studies")
    assert read.person("90078058").line == 24
    assert read.person("90078058").file == "example.xml"


def test_grouped_deletes_and_dates() -> None:
    read = collect_file("example-grouped.xml", target="moodle")
    assert read.tally() == GROUPED
    assert read.group("PHRE1001A2005/06T1/2").deleted
    deleted = [m.person for m in read.memberships if m.deleted]
    assert deleted == ["90078058"]
    dated = [(m.person, m.begin, m.end) for m in read.memberships if m.begin or m.end]
    assert dated == [("90528553", date(2005, 12, 25), date(2005, 12, 31))]


def test_grouped_for_another_target_is_skipped() -> None:
    read = collect_file("example-grouped.xml", target="blackboard")
    assert read.tally() == {"info:target_mismatch": 1}
    assert read.issues[0].line == 3  # <properties> starts on line 3


def test_oneline_lines() -> None:
    read = collect_file("example-oneline.xml")
    assert {getattr(item, "line", None) for item in read.items} == {1}


def test_pifu_records() -> None:
    read = collect_file("PIFU-IMS_SAS_eksempel.xml")
    janne = read.person("global_ID_01235")
    assert janne.old_key == "Måne_personid_1235"
    assert (janne.username, janne.email) == ("jannest", "janne.stor@måne.kommune.no")
    assert read.person("global_ID_02772").username is None  # no userid at all
    links = [(link.guardian, link.student) for link in read.of(GuardianLink)]
    assert links == [
        ("global_ID_03822", "global_ID_01236"),
        ("global_ID_03823", "global_ID_01236"),
    ]
    assert read.org("global_ID_org_2").parent == ""  # names itself: the root
    assert read.org("global_ID_org_17").parent == "global_ID_org_2"
    assert read.org("global_ID_basis_Måneflekken_7A").kind == "class"
    maths = read.group("global_ID_gr_MAT0008_Måneflekken08")
    assert (maths.kind, maths.school, maths.name) == ("subject", "global_ID_org_17", "MAT0008-8A")
    assert (maths.begin, maths.end) == (date(2007, 1, 3), date(2007, 7, 9))


def test_pifu_unresolved_lines() -> None:
    read = collect_file("PIFU-IMS_SAS_eksempel.xml")
    unresolved = [i.line for i in read.issues if i.code == "unresolved_reference"]
    assert unresolved == [1328, 1365, 1708, 1738]


def test_pifu_membership_details() -> None:
    read = collect_file("PIFU-IMS_SAS_eksempel.xml")
    primary = [(m.person, m.group, m.role) for m in read.memberships if m.primary]
    # pifu_primaryRelation 1 on lines 1141 and 1193; the one on 1343/1380 is in a
    # membership to a group not in the file
    assert primary == [
        ("global_ID_01235", "global_ID_org_2", "02"),
        ("global_ID_01235", "global_ID_org_17", "02"),
    ]
    # role timeframes carry no restrict="1": informational only
    assert all(m.begin is None and m.end is None for m in read.memberships)
