"""Moodle's scenarios and the person and membership mapping, on inline documents."""

from __future__ import annotations

from datetime import date

import pytest

import ims
from mapping.records import RoleClaim
from tests.ims.xmlfeed import (
    PIFU_NS,
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


def test_exports() -> None:
    assert sorted(ims.__all__) == ["ReadOptions", "read", "sniff"]
    assert ims.ReadOptions().default_mode == "delta"


@pytest.mark.parametrize(
    ("recstatus", "deleted"), [("", False), ("1", False), ("2", False), ("3", True)]
)
def test_person_recstatus(recstatus: str, deleted: bool) -> None:
    read = collect(feed(person("p1", recstatus=recstatus)))
    assert read.tally() == {"person:deleted" if deleted else "person": 1}
    assert read.person("p1").deleted is deleted


def test_update_carries_the_new_fields() -> None:
    extra = "<email>ada@school.no</email>"
    read = collect(feed(person("p1", "Ada", "King", userid="ada", recstatus="2", extra=extra)))
    ada = read.person("p1")
    assert (ada.given_name, ada.family_name, ada.username, ada.email) == (
        "Ada",
        "King",
        "ada",
        "ada@school.no",
    )
    assert (ada.source, ada.line) == ("sis", 4)


def test_email_absent_and_empty() -> None:
    read = collect(feed(person("p1"), person("p2", extra="<email/>")))
    assert read.person("p1").email is None
    assert read.person("p2").email == ""


@pytest.mark.parametrize(
    ("userids", "username"),
    [
        ("", None),
        ("<userid/>", None),
        ("<userid>  ada  </userid>", "ada"),
        ('<userid useridtype="personNIN">0101</userid>', None),
        (
            '<userid useridtype="studentID">5</userid><userid useridtype="username">ada</userid>',
            "ada",
        ),
        ('<userid>plain</userid><userid useridtype="username">ada</userid>', "ada"),
        ('<userid useridtype="sisID">X1</userid><userid>plain</userid>', "plain"),
    ],
)
def test_username_choice(userids: str, username: str | None) -> None:
    name = "<name><fn>Ada Lovelace</fn><n><family>Lovelace</family><given>Ada</given></n></name>"
    read = collect(feed(f"<person>{sourcedid('p1')}{userids}{name}</person>"))
    assert read.person("p1").username == username


@pytest.mark.parametrize(
    ("name", "given", "family"),
    [
        ("<fn>Dr Janne A. Stor</fn>", "Dr Janne A.", "Stor"),
        ("<fn>Cher</fn>", "Cher", ""),
        ("<fn>Ada Lovelace</fn><n><given>Augusta Ada</given></n>", "Augusta Ada", "Lovelace"),
        ("", "", ""),
    ],
)
def test_names_fall_back_to_fn(name: str, given: str, family: str) -> None:
    read = collect(feed(f"<person>{sourcedid('p1')}<name>{name}</name></person>"))
    assert (read.person("p1").given_name, read.person("p1").family_name) == (given, family)


def test_institution_roles() -> None:
    roles = (
        '<institutionrole primaryrole="Yes" institutionroletype="Student"/>'
        '<institutionrole primaryrole="No" institutionroletype="Alumni"/>'
    )
    read = collect(feed(person("p1", extra=roles)))
    assert read.person("p1").roles == (RoleClaim("Student"), RoleClaim("Alumni"))


def test_rekey_old_new() -> None:
    ids = sourcedid("old-1", "Old") + sourcedid("new-1", "New") + sourcedid("dup-1", "Duplicate")
    name = "<name><fn>A B</fn></name>"
    read = collect(feed(f"<person>{ids}{name}</person>"))
    assert (read.person("new-1").key, read.person("new-1").old_key) == ("new-1", "old-1")


def test_unknown_sourcedidtype_is_the_key() -> None:
    ids = sourcedid("dup-1", "Duplicate") + sourcedid("k1", "Primary")
    read = collect(feed(f"<person>{ids}<name><fn>A B</fn></name></person>"))
    assert [(p.key, p.old_key) for p in read.persons] == [("k1", "")]


def test_one_line_document() -> None:
    data = feed(person("p1"), group("c1"), membership("c1", member("p1", role()))).replace(
        b"\n", b""
    )
    read = collect(data)
    assert read.tally() == {"person": 1, "group:course": 1, "membership": 1}
    assert {getattr(item, "line", None) for item in read.items} == {1}


def test_person_without_key() -> None:
    data = feed("<person><sourcedid><source>sis</source><id> </id></sourcedid></person>")
    read = collect(data)
    assert read.tally() == {"error:missing_key": 1}
    assert read.issues[0].line == 4


def test_pifu_inactive_person_is_disabled() -> None:
    status = '<extension><pifu_status type="activeInactive">inaktiv</pifu_status></extension>'
    read = collect(feed(person("p1", extra=status), person("p2")))
    assert [p.enabled for p in read.persons] == [False, True]


def test_enrol_and_unenrol() -> None:
    data = feed(
        person("p1"),
        person("p2"),
        person("p3"),
        group("c1", "Course"),
        membership(
            "c1",
            member("p1", role("01")),
            member("p2", role("01", status="0")),
            member("p3", role("02", recstatus="3")),
        ),
    )
    read = collect(data)
    assert read.tally() == {
        "person": 3,
        "group:course": 1,
        "membership": 1,
        "membership:deleted": 2,
    }
    assert [(m.person, m.role, m.deleted) for m in read.memberships] == [
        ("p1", "01", False),
        ("p2", "01", True),
        ("p3", "02", True),
    ]


def test_one_membership_per_role() -> None:
    data = feed(person("p1"), group("c1"), membership("c1", member("p1", role("02"), role("01"))))
    assert [m.role for m in collect(data).memberships] == ["02", "01"]


def test_role_dates_count_only_when_restricted() -> None:
    restricted = (
        '<timeframe><begin restrict="1">2024-08-15</begin><end restrict="1">2025-06-20</end>'
        "</timeframe>"
    )
    loose = "<timeframe><begin>2024-08-15</begin><end restrict='0'>2025-06-20</end></timeframe>"
    data = feed(
        person("p1"),
        group("c1"),
        membership("c1", member("p1", role("01", extra=restricted), role("02", extra=loose))),
    )
    dates = [(m.begin, m.end) for m in collect(data).memberships]
    assert dates == [(date(2024, 8, 15), date(2025, 6, 20)), (None, None)]


def test_bad_role_date_is_a_warning() -> None:
    bad = '<timeframe><begin restrict="1">15.08.2024</begin></timeframe>'
    data = feed(person("p1"), group("c1"), membership("c1", member("p1", role("01", extra=bad))))
    read = collect(data)
    assert read.tally() == {
        "person": 1,
        "group:course": 1,
        "warning:invalid_date": 1,
        "membership": 1,
    }
    assert read.memberships[0].begin is None


def test_whitespace_in_ids() -> None:
    data = feed(
        person(" p1 "),
        group("  c1\n"),
        membership(" c1 ", member("\tp1 ", role(" 01 "))),
    )
    read = collect(data)
    assert read.person("p1").key == "p1"
    assert [(m.person, m.group, m.role) for m in read.memberships] == [("p1", "c1", "01")]


def test_attributes_with_spaces_around_equals() -> None:
    data = feed('<person recstatus = "3">' + sourcedid("p1") + "<name><fn>A B</fn></name></person>")
    assert collect(data).person("p1").deleted


@pytest.mark.parametrize(
    "idtype", ['<idtype idtype="1"/>', "<idtype>1</idtype>", "<idtype> 1 </idtype>", ""]
)
def test_idtype_forms(idtype: str) -> None:
    data = feed(person("p1"), group("c1"), membership("c1", member("p1", role(), idtype=idtype)))
    assert [m.person for m in collect(data).memberships] == ["p1"]


def test_group_member_is_not_supported() -> None:
    data = feed(
        group("c1"),
        group("c2"),
        membership("c1", member("c2", role(), idtype="<idtype>2</idtype>")),
    )
    read = collect(data)
    assert read.tally() == {"group:course": 2, "warning:unsupported_group_member": 1}
    assert (read.issues[0].key, read.issues[0].line) == ("c2@c1", 6)


def test_capita_roletype_element() -> None:
    capita = "<role><roletype>02</roletype><status>1</status></role>"
    data = feed(person("p1"), group("c1"), membership("c1", member("p1", capita)))
    assert [m.role for m in collect(data).memberships] == ["02"]


def test_role_without_roletype() -> None:
    data = feed(person("p1"), group("c1"), membership("c1", member("p1", role(""))))
    read = collect(data)
    assert read.tally() == {"person": 1, "group:course": 1, "error:missing_role": 1}
    assert read.issues[0].key == "p1@c1"


def test_pifu_primary_relation() -> None:
    primary = "<extension><pifu_primaryRelation>1</pifu_primaryRelation></extension>"
    secondary = "<extension><pifu_primaryRelation>0</pifu_primaryRelation></extension>"
    data = feed(
        person("p1"),
        group("s1", typevalue="skole"),
        group("s2", typevalue="skole"),
        group("s3", typevalue="skole"),
        membership("s1", member("p1", role("02", extra=primary))),
        membership("s2", member("p1", role("02", extra=secondary))),
        membership("s3", member("p1", role("02"))),
        ns=PIFU_NS,
    )
    assert [m.primary for m in collect(data).memberships] == [True, False, None]


@pytest.mark.parametrize(
    "ns",
    [
        "",
        "http://www.imsglobal.org/xsd/imsep_rootv1p01",
        "http://www.imsproject.org/xsd/imsep_rootv1p01",
        PIFU_NS,
    ],
)
def test_namespaces_read_the_same(ns: str) -> None:
    data = feed(
        person("p1", userid="ada"),
        group("c1", "Course"),
        membership("c1", member("p1", role("01"))),
        ns=ns,
    )
    read = collect(data)
    assert read.tally() == {"person": 1, "group:course": 1, "membership": 1}
    assert read.person("p1").username == "ada"


def test_prefixed_namespace() -> None:
    ns = "http://www.imsglobal.org/xsd/imsep_rootv1p01"
    data = (
        f'<?xml version="1.0"?>\n<ims:enterprise xmlns:ims="{ns}"><ims:person><ims:sourcedid>'
        "<ims:id>p1</ims:id></ims:sourcedid><ims:name><ims:fn>Ada Lovelace</ims:fn></ims:name>"
        "</ims:person></ims:enterprise>"
    ).encode()
    read = collect(data)
    assert (read.person("p1").given_name, read.person("p1").family_name) == ("Ada", "Lovelace")


@pytest.mark.parametrize("encoding", ["ISO-8859-1", "windows-1252", "UTF-8"])
def test_encodings(encoding: str) -> None:
    given = "Åse Ærlig" if encoding != "windows-1252" else "Åse ‘Øy’ Ærlig"  # ‘ ’: 0x91, 0x92
    data = feed(person("p1", given, "Østbø"), encoding=encoding)
    assert data.decode(encoding).encode(encoding) == data
    read = collect(data)
    assert (read.person("p1").given_name, read.person("p1").family_name) == (given, "Østbø")


def test_line_and_file_on_records() -> None:
    data = feed(person("p1"), group("c1"), membership("c1", member("p1", role())))
    read = collect(data, file="upload.xml")
    assert {getattr(item, "file", None) for item in read.items} == {"upload.xml"}
    assert [getattr(item, "line", None) for item in read.items] == [4, 5, line_of(data, "<role")]
