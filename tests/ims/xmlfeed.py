"""Inline IMS documents for the reader's tests, and a reader that tallies what it yields.

Every builder returns one line of XML, and ``feed`` puts each part on its own
line after the declaration (line 1), the root (line 2) and ``properties``
(line 3): the first part is on line 4, the second on line 5, and so on.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import ims
from mapping.records import (
    Group,
    GuardianLink,
    Membership,
    Org,
    Person,
    Record,
    RowIssue,
    Scope,
)
from tests.support.fixtures import EXTERNAL

FIXTURES = EXTERNAL / "ims"
PIFU_XSD = FIXTURES / "PIFU-IMS_SAS.xsd"
PIFU_NS = "http://pifu.no/xsd/pifu-ims_sas/pifu-ims_sas-v1"


def feed(
    *parts: str,
    mode: str | None = None,
    targets: tuple[str, ...] = (),
    ns: str = "",
    encoding: str = "UTF-8",
) -> bytes:
    """An IMS document holding ``parts``, with ``properties/type`` = ``mode`` when given."""
    xmlns = f' xmlns="{ns}"' if ns else ""
    target = "".join(f"<target>{t}</target>" for t in targets)
    kind = f"<type>{mode}</type>" if mode else ""
    lines = [
        f'<?xml version="1.0" encoding="{encoding}"?>',
        f"<enterprise{xmlns}>",
        f'<properties lang="en"><datasource>sis</datasource>{target}{kind}'
        "<datetime>2024-01-01</datetime></properties>",
        *parts,
        "</enterprise>",
    ]
    return "\n".join(lines).encode(encoding)


def sourcedid(key: str, kind: str = "") -> str:
    """A ``sourcedid`` element (``kind`` is the sourcedidtype)."""
    typed = f' sourcedidtype="{kind}"' if kind else ""
    return f"<sourcedid{typed}><source>sis</source><id>{key}</id></sourcedid>"


def person(
    key: str,
    given: str = "Ada",
    family: str = "Lovelace",
    *,
    userid: str | None = None,
    recstatus: str = "",
    extra: str = "",
) -> str:
    """A ``person``; ``extra`` goes after the name (email, institutionrole, extension)."""
    status = f' recstatus="{recstatus}"' if recstatus else ""
    login = f"<userid>{userid}</userid>" if userid is not None else ""
    parts = f"<n><family>{family}</family><given>{given}</given></n>"
    name = f"<name><fn>{given} {family}</fn>{parts}</name>"
    return f"<person{status}>{sourcedid(key)}{login}{name}{extra}</person>"


def group(
    key: str,
    name: str = "",
    *,
    typevalue: str = "",
    parent: str = "",
    recstatus: str = "",
    extra: str = "",
) -> str:
    """A ``group`` with an optional typevalue and parent (``relationship relation="1"``)."""
    status = f' recstatus="{recstatus}"' if recstatus else ""
    grouptype = (
        f'<grouptype><scheme>test</scheme><typevalue level="1">{typevalue}</typevalue></grouptype>'
        if typevalue
        else ""
    )
    description = f"<description><short>{name}</short></description>" if name else ""
    relation = (
        f'<relationship relation="1">{sourcedid(parent)}<label>up</label></relationship>'
        if parent
        else ""
    )
    return f"<group{status}>{sourcedid(key)}{grouptype}{description}{extra}{relation}</group>"


def membership(group_key: str, *members: str) -> str:
    """A ``membership`` of the group ``group_key``."""
    return f"<membership>{sourcedid(group_key)}{''.join(members)}</membership>"


def member(key: str, *roles: str, idtype: str = '<idtype idtype="1"/>') -> str:
    """A ``member`` with its roles (``role()`` strings)."""
    return f"<member>{sourcedid(key)}{idtype}{''.join(roles)}</member>"


def role(roletype: str = "01", *, status: str = "1", recstatus: str = "", extra: str = "") -> str:
    """A ``role`` (``extra`` goes after ``status``: timeframe, extension)."""
    kind = f' roletype="{roletype}"' if roletype else ""
    rec = f' recstatus="{recstatus}"' if recstatus else ""
    return f"<role{kind}{rec}><status>{status}</status>{extra}</role>"


def line_of(data: bytes, needle: str, encoding: str = "utf-8") -> int:
    """The line of the (only) occurrence of ``needle`` in the document."""
    text = data.decode(encoding)
    assert text.count(needle) == 1, needle
    return text[: text.index(needle)].count("\n") + 1


def label(item: Record | RowIssue) -> str:
    """What ``tally`` counts an item as."""
    match item:
        case Person():
            return "person:deleted" if item.deleted else "person"
        case Org():
            return f"org:{item.kind}"
        case Group():
            return f"group:{item.kind}"
        case Membership():
            return "membership:deleted" if item.deleted else "membership"
        case GuardianLink():
            return "guardian_link"
        case Scope():
            return f"scope:{item.entity}"
        case RowIssue():
            return f"{item.severity}:{item.code}"
    raise AssertionError(item)


@dataclass
class Read:
    """Everything one read yielded, in order, with views by type."""

    items: list[Record | RowIssue] = field(default_factory=list)

    def tally(self) -> dict[str, int]:
        """How many of each kind of item, as ``label`` names them."""
        return dict(Counter(label(item) for item in self.items))

    def of(self, kind: type[Any]) -> list[Any]:
        """The items of one type, in order."""
        return [item for item in self.items if isinstance(item, kind)]

    @property
    def persons(self) -> list[Person]:
        """The Persons."""
        return self.of(Person)

    @property
    def memberships(self) -> list[Membership]:
        """The Memberships."""
        return self.of(Membership)

    @property
    def issues(self) -> list[RowIssue]:
        """The RowIssues."""
        return self.of(RowIssue)

    def person(self, key: str) -> Person:
        """The Person with ``key``."""
        return next(p for p in self.persons if p.key == key)

    def group(self, key: str) -> Group:
        """The Group with ``key``."""
        found: Group = next(g for g in self.of(Group) if g.key == key)
        return found

    def org(self, key: str) -> Org:
        """The Org with ``key``."""
        found: Org = next(o for o in self.of(Org) if o.key == key)
        return found


def collect(data: bytes, **options: Any) -> Read:
    """Read a whole document from bytes."""
    return Read(list(ims.read(io.BytesIO(data), ims.ReadOptions(**options))))


def collect_file(name: str, **options: Any) -> Read:
    """Read a whole fixture file."""
    with (FIXTURES / name).open("rb") as stream:
        return Read(list(ims.read(stream, ims.ReadOptions(file=name, **options))))
