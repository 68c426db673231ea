"""Validation of PIFU documents against the PIFU-IMS XSD (the fixture copy), as they stream."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import xmlschema
from lxml import etree

import ims
from ims import validate
from mapping.records import FeedError, Membership, RowIssue
from tests.ims.test_fixtures import EXAMPLE, PIFU
from tests.ims.xmlfeed import PIFU_NS, PIFU_XSD, collect, collect_file, feed, person

# Hand-made from the XSD: each marked line breaks one rule of PIFU-IMS_SAS.xsd 1.3.
BROKEN = f"""<?xml version="1.0" encoding="UTF-8"?>
<enterprise xmlns="{PIFU_NS}">
<properties lang="no"><datasource>sas</datasource><type>full</type><datetime>2024-01-01</datetime></properties>
<person recstatus="7">
  <sourcedid><source>sas</source><id>p1</id></sourcedid>
  <userid>ada</userid>
  <name><fn>Ada Lovelace</fn><n><family>Lovelace</family><given>Ada</given></n></name>
  <email>nope</email>
</person>
<group>
  <sourcedid><source>sas</source><id>g1</id></sourcedid>
  <description><short>Maths</short></description>
  <relationship relation="1"><sourcedid><source>sas</source><id>g1</id></sourcedid><label>x</label></relationship>
</group>
<person>
  <sourcedid><source>sas</source><id>p2</id></sourcedid>
  <name><fn>B C</fn><n><family>C</family><given>B</given></n></name>
</person>
<membership>
  <sourcedid><source>sas</source><id>g1</id></sourcedid>
  <member>
    <sourcedid><source>sas</source><id>p1</id></sourcedid>
    <idtype>1</idtype>
    <role roletype="01"><status>5</status></role>
  </member>
</membership>
</enterprise>
""".encode()  # noqa: E501 (the XML's lines are what the test counts)

# (line, path) of each violation, and why (from the XSD):
EXPECTED = [
    (4, "/person"),  # recstatus is 1, 2 or 3
    (6, "/person/userid"),  # useridtype is required
    (8, "/person/email"),  # email must match .+@.+(\..+)+
    (10, "/group"),  # grouptype (minOccurs 1) must follow sourcedid
    (15, "/enterprise"),  # a person after a group: enterprise is properties, person*, group*, ...
    (24, "/membership/member/role/status"),  # status is 0 or 1
]


def violations(issues: list[RowIssue]) -> list[tuple[int | None, str]]:
    """(line, path) of each schema_violation."""
    return [(i.line, i.message.split(":")[0]) for i in issues if i.code == "schema_violation"]


def test_pifu_example_is_valid() -> None:
    # An independent whole-document check with xmlschema agrees: the example has no violation.
    document = etree.parse(str(PIFU_XSD.parent / "PIFU-IMS_SAS_eksempel.xml"))
    assert list(xmlschema.XMLSchema(str(PIFU_XSD)).iter_errors(document)) == []
    read = collect_file("PIFU-IMS_SAS_eksempel.xml", schema=PIFU_XSD)
    assert read.tally() == PIFU


def test_broken_document() -> None:
    read = collect(BROKEN, schema=PIFU_XSD, file="pifu.xml")
    assert violations(read.issues) == EXPECTED
    assert {(i.severity, i.file) for i in read.issues} == {("warning", "pifu.xml")}
    assert [(i.entity, i.key) for i in read.issues][:4] == [
        ("accounts", "p1"),
        ("accounts", "p1"),
        ("accounts", "p1"),
        ("groups", "g1"),
    ]
    assert read.issues[3].message == (
        "/group: Unexpected child with tag 'description' at position 2. Tag 'grouptype' expected."
    )
    # the records are still read: violations are warnings
    assert read.tally() == {
        "warning:schema_violation": 6,
        "person": 2,
        "group:course": 1,
        "membership": 1,
        "scope:accounts": 1,
        "scope:groups": 1,
        "scope:memberships": 1,
    }


def test_same_violations_as_whole_document_validation() -> None:
    whole = xmlschema.XMLSchema(str(PIFU_XSD)).iter_errors(etree.fromstring(BROKEN))
    lines = sorted(error.sourceline or 0 for error in whole)
    # xmlschema puts the order violation on the root (line 2); the reader on the child
    assert lines == sorted([2 if line == 15 else line for line, _ in EXPECTED])


def test_strict_fails_on_the_first_violation() -> None:
    yielded: list[object] = []
    with pytest.raises(FeedError) as info:
        yielded.extend(ims.read(io.BytesIO(BROKEN), ims.ReadOptions(schema=PIFU_XSD, strict=True)))
    assert (info.value.code, info.value.line, yielded) == ("schema_violation", 4, [])


def test_missing_properties() -> None:
    data = f'<enterprise xmlns="{PIFU_NS}">\n{person("p1")}\n</enterprise>'.encode()
    read = collect(data, schema=PIFU_XSD)
    assert [i.message for i in read.issues] == [
        "/enterprise: <properties> is missing before <person>"
    ]
    assert read.issues[0].line == 2
    empty = collect(f'<enterprise xmlns="{PIFU_NS}"/>'.encode(), schema=PIFU_XSD)
    assert [i.message for i in empty.issues] == ["/enterprise: <properties> is missing"]


def test_unknown_children_of_the_root() -> None:
    data = feed(person("p1"), "<extension/>", "<comments>x</comments>", ns=PIFU_NS, mode="delta")
    read = collect(data, schema=PIFU_XSD)
    assert violations(read.issues) == [(5, "/enterprise"), (6, "/enterprise")]


def test_only_pifu_documents_are_validated() -> None:
    assert collect_file("example.xml", schema=PIFU_XSD).tally() == EXAMPLE
    assert collect(feed(person("p1"), ns=PIFU_NS)).tally() == {"person": 1}  # no schema given


def test_schema_is_compiled_once() -> None:
    path = str(PIFU_XSD.resolve())
    assert validate.load(path) is validate.load(path)


def test_missing_schema_fails_the_feed(tmp_path: Path) -> None:
    with pytest.raises(FeedError) as info:
        collect(feed(person("p1"), ns=PIFU_NS), schema=tmp_path / "nope.xsd")
    assert info.value.code == "schema_unavailable"


def test_violations_come_before_the_records_of_their_element() -> None:
    read = collect(BROKEN, schema=PIFU_XSD)
    first_membership = read.items.index(read.of(Membership)[0])
    assert read.items[first_membership - 1].code == "schema_violation"  # type: ignore[union-attr]
