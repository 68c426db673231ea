"""The floor's parsers: a feed file into the rows an import's store holds, per entity.

Each format is read with the cheapest well-kept parser (the ``csv`` module, lxml
``iterparse`` through ``ims.xml``) and turned into the store's entities, keyed
as the store keys them: accounts, nodes, groups, placements, memberships and
guardian links. No validation, no usernames, no mapping beyond what the
entities' keys need. Imports nothing from the gateway.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from operator import itemgetter
from pathlib import Path
from typing import Any

Key = tuple[str, ...]
Values = tuple[str, ...]
Entities = dict[str, dict[Key, Values]]  # entity → key → values
# entity → (key columns, value columns): the store's unique key, then what the plan compares.
TABLES: dict[str, tuple[Key, Values]] = {
    "accounts": (("sync_key",), ("username", "given", "family", "email", "profile")),
    "nodes": (("sync_key",), ("name", "kind", "parent")),
    "groups": (("sync_key",), ("name", "kind")),
    "placements": (("account", "node"), ()),
    "memberships": (("account", "grp", "role"), ("sync_key",)),
    "guardian_links": (("guardian", "student"), ()),
}
# Unique keys besides the first columns (the store's accounts.username_key).
EXTRA_UNIQUE: dict[str, tuple[str, ...]] = {"accounts": ("username",)}


def empty() -> Entities:
    """No rows of any entity."""
    return {entity: {} for entity in TABLES}


def _account(found: Entities, key: str, given: str, family: str, email: str, role: str) -> None:
    """An account; its username is its key (the floor generates none)."""
    found["accounts"][(key,)] = (key, given, family, email, role)


def read_csv(path: Path) -> Entities:
    """The gateway's CSV: a row per person; nodes by name path; guardians in columns."""
    found = empty()
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter=";")
        next(reader)
        for row in reader:
            key, given, family, _, email, grade, klass, role, school = row[:9]
            _account(found, key, given, family, email, role)
            found["nodes"][(school,)] = (school, "school", "")
            place = school
            if grade and klass:
                place = f"{school}/{grade}"
                path_key = f"{place}/{klass}"
                found["nodes"][(place,)] = (grade, "year", school)
                found["nodes"][(path_key,)] = (klass, "class", place)
                found["groups"][(path_key,)] = (klass, "class")
                hierarchy = "student" if role == "elev" else "teacher"
                found["memberships"][(key, path_key, hierarchy)] = ("",)
            found["placements"][(key, place)] = ()
            for at in (9, 13):
                guardian, g_given, g_family, g_email = (row[at : at + 4] + [""] * 4)[:4]
                if guardian:
                    _account(found, guardian, g_given, g_family, g_email, "guardian")
                    found["guardian_links"][(guardian, key)] = ()
    return found


def _columns(package: zipfile.ZipFile, name: str, *columns: str) -> Iterator[Any]:
    """A package file's rows, each as the tuple of the named columns."""
    with package.open(name) as raw, io.TextIOWrapper(raw, "utf-8", newline="") as text:
        reader = csv.reader(text)
        header = next(reader)
        yield from map(itemgetter(*(header.index(c) for c in columns)), reader)


def read_oneroster(path: Path) -> Entities:
    """A OneRoster package: orgs and homerooms are nodes; classes and courses are groups."""
    found = empty()
    nodes, groups = found["nodes"], found["groups"]
    with zipfile.ZipFile(path) as package:
        for key, name, kind, parent in _columns(
            package, "orgs.csv", "sourcedId", "name", "type", "parentSourcedId"
        ):
            nodes[(key,)] = (name, "school_owner" if kind == "district" else "school", parent)
        for key, title in _columns(package, "courses.csv", "sourcedId", "title"):
            groups[(key,)] = (title, "course")
        classes = ("sourcedId", "title", "classType", "schoolSourcedId", "grades")
        for key, title, kind, school, grade in _columns(package, "classes.csv", *classes):
            if kind == "homeroom":
                year = f"{school}/year/{grade}"
                nodes[(year,)] = (grade, "year", school)
                nodes[(key,)] = (title, "class", year)
                groups[(key,)] = (title, "class")
            else:
                groups[(key,)] = (title, "subject")
        users = ("sourcedId", "givenName", "familyName", "email", "primaryOrgSourcedId")
        for key, given, family, email, org, agents in _columns(
            package, "users.csv", *users, "agentSourcedIds"
        ):
            _account(found, key, given, family, email, "")
            found["placements"][(key, org)] = ()
            for guardian in filter(None, agents.split(",")):
                found["guardian_links"][(guardian, key)] = ()
        accounts = found["accounts"]
        for user, role in _columns(package, "roles.csv", "userSourcedId", "role"):
            accounts[(user,)] = (*accounts[(user,)][:4], role)
        enrollments = ("sourcedId", "userSourcedId", "classSourcedId", "role")
        memberships = found["memberships"]
        for key, user, klass, role in _columns(package, "enrollments.csv", *enrollments):
            memberships[(user, klass, role)] = (key,)
    return found


# PIFU group type → (node kind or None, group kind or None)
IMS_KINDS = {
    "skoleeier": ("school_owner", None),
    "skole": ("school", None),
    "trinn": ("year", None),
    "basisgruppe": ("class", "class"),
    "undervisningsgruppe": (None, "subject"),
}


def _ims_element(element: Any, found: Entities, kinds: dict[str, str]) -> None:
    """One top-level element into its entities: a person, a group or a membership."""
    name = element.tag.rpartition("}")[2]
    key = element.findtext("{*}sourcedid/{*}id") or ""
    if name == "person":
        role = element.find("{*}institutionrole")
        _account(
            found,
            key,
            element.findtext("{*}name/{*}n/{*}given") or "",
            element.findtext("{*}name/{*}n/{*}family") or "",
            element.findtext("{*}email") or "",
            role.get("institutionroletype", "") if role is not None else "guardian",
        )
        for contact in element.iterfind("{*}extension/{*}pifu_hasContactPerson"):
            found["guardian_links"][(contact.findtext("{*}sourcedid/{*}id") or "", key)] = ()
    elif name == "group":
        kind = element.findtext("{*}grouptype/{*}typevalue") or ""
        node, group = IMS_KINDS.get(kind, (None, None))
        label = element.findtext("{*}description/{*}short") or ""
        parent = element.findtext("{*}relationship/{*}sourcedid/{*}id") or ""
        kinds[key] = kind
        if node:
            found["nodes"][(key,)] = (label, node, "" if parent == key else parent)
        if group:
            found["groups"][(key,)] = (label, group)
    else:
        school = kinds.get(key) == "skole"
        for member in element.iterfind("{*}member"):
            person = member.findtext("{*}sourcedid/{*}id") or ""
            if school:
                found["placements"][(person, key)] = ()
                continue
            role = member.find("{*}role")
            student = role is not None and role.get("roletype") == "01"
            found["memberships"][(person, key, "student" if student else "teacher")] = ("",)


def read_ims(path: Path) -> Entities:
    """An IMS document in one pass, elements cleared as it goes."""
    # The codebase's one hardened lxml iterparse (tests/ims/test_xml.py holds everyone to
    # it); imported here, so the CSV floors need not load it.
    from ims import xml

    found = empty()
    kinds: dict[str, str] = {}
    tags = ("{*}person", "{*}group", "{*}membership")
    with path.open("rb") as stream:
        for event, element in xml.Parse(xml.Source(stream, path.name), tags):
            if event != "end":
                continue
            _ims_element(element, found, kinds)
            element.clear()
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]
    return found


READERS: dict[str, Callable[[Path], Entities]] = {
    "csv": read_csv,
    "oneroster": read_oneroster,
    "ims": read_ims,
}
# A full snapshot marks what it leaves out inactive; the gateway's CSV only adds and updates.
FULL = {"csv": False, "oneroster": True, "ims": True}
