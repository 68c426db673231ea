"""The element helpers the readers' hot paths rest on: local names in any namespace, one pass."""

from __future__ import annotations

import pytest
from lxml import etree

from ims import tree
from tests.ims.xmlfeed import PIFU_NS, collect, feed, group, member, membership, person, role

MIXED = f"""<r xmlns="{PIFU_NS}" xmlns:o="urn:other">
<id>1</id><o:source>s</o:source><id xmlns="">2</id><!-- note --><o:id> 3 </o:id><role/>
</r>"""


def mixed() -> tree.Element:
    """An element whose children share local names across namespaces, with a comment."""
    parser = etree.XMLParser(remove_comments=False)
    return etree.fromstring(MIXED, parser)


def test_local_names() -> None:
    assert tree.NAMES[f"{{{PIFU_NS}}}member"] == "member"
    assert tree.NAMES["member"] == "member"
    assert tree.NAMES[etree.Comment] == ""  # a comment's tag is a function
    assert tree.local(mixed()) == "r"


def test_the_name_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    names = type(tree.NAMES)()
    monkeypatch.setattr(type(names), "limit", 3)
    assert [names[f"{{urn:{i}}}tag{i}"] for i in range(10)] == [f"tag{i}" for i in range(10)]
    assert len(names) == 3


def test_by_name_keeps_document_order_across_namespaces() -> None:
    children = tree.by_name(mixed())
    assert sorted(children) == ["", "id", "role", "source"]
    assert [element.text for element in children["id"]] == ["1", "2", " 3 "]
    assert tree.first(children, "id") is children["id"][0]
    assert tree.first(children, "missing") is None
    assert tree.by_name(None) == {}


def test_firsts_children_and_child_agree() -> None:
    element = mixed()
    firsts = tree.firsts(element)
    assert tree.text(firsts["id"]) == "1"
    assert firsts["id"] is tree.child(element, "id")
    assert [tree.text(e) for e in tree.children(element, "id")] == ["1", "2", "3"]
    assert tree.firsts(None) == {}
    assert tree.child(element, "role", "id") is None


def test_ids_of_a_sourcedid() -> None:
    sourcedid = etree.fromstring("<sourcedid><id> k </id><source>a<b>b</b>c</source></sourcedid>")
    assert tree.ids(sourcedid) == ("k", "abc")
    assert tree.ids(None) == ("", "")


def test_elements_in_other_namespaces_and_none_read_the_same() -> None:
    other = 'xmlns:o="urn:other"'
    plain = feed(
        person("p1", userid="ada"),
        group("c1", "Course"),
        membership("c1", member("p1", role("01"), idtype="<idtype>1</idtype>")),
        ns=PIFU_NS,
    )
    mixed_data = (
        plain.decode()
        .replace("<enterprise ", f"<enterprise {other} ")
        .replace("<member>", '<o:member><sourcedid xmlns=""><id>p1</id></sourcedid>')
        .replace("</member>", "</o:member>")
        .replace("<userid>", '<o:userid xmlns:o="urn:x">')
        .replace("</userid>", "</o:userid>")
        .encode()
    )
    expected, got = collect(plain), collect(mixed_data)
    assert got.tally() == expected.tally() == {"person": 1, "group:course": 1, "membership": 1}
    assert got.person("p1").username == "ada"
    assert [(m.person, m.group, m.role) for m in got.memberships] == [("p1", "c1", "01")]
