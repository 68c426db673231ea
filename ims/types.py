"""What an IMS ``group`` becomes, by its ``grouptype/typevalue``: data, not code.

The table is keyed on the typevalue word alone (compared case-insensitively).
The known schemes do not share words (PIFU's Norwegian terms, itslearning's
``ItslearningOrganisationTypes`` School/Course/CourseGroup, a few generic
English words), so the scheme adds nothing. ``typevalue@level`` is not used to
decide: the same level means different things in different schemes (PIFU level 1
is a school owner in ``pifu-ims-go-org`` but a class in ``pifu-ims-go-grp``).

A group with no grouptype at all (Moodle's examples) is a course, the meaning
IMS Enterprise gives a group by default. A group whose words are all unknown is
a course too, and the reader notes the word once per file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from mapping.records import GroupKind, OrgKind


@dataclass(frozen=True, slots=True)
class NodeType:
    """Where a grouptype lands: an Org of kind ``org``, else a Group of kind ``group``."""

    org: OrgKind | None = None
    group: GroupKind = "course"


SCHOOL_OWNER = NodeType(org="school_owner")
SCHOOL = NodeType(org="school")
YEAR = NodeType(org="year")
CLASS = NodeType(org="class")
DEPARTMENT = NodeType(org="department")
COURSE = NodeType(group="course")
SUBJECT = NodeType(group="subject")

DEFAULT = COURSE

TYPEVALUES: Mapping[str, NodeType] = {
    # PIFU-IMS (all values of t_groupschematypevalue in PIFU-IMS_SAS.xsd 1.3).
    "skoleeier": SCHOOL_OWNER,  # school owner: municipality or county
    "skole": SCHOOL,
    "trinn": YEAR,  # year level, e.g. "7. trinn"
    "basisgruppe": CLASS,  # the class; its node owns a class group with the same key
    "undervisningsgruppe": SUBJECT,  # teaching group in one subject
    "fag": COURSE,  # the subject itself (e.g. MAT0008), which teaching groups belong to
    # Pastoral group of one contact teacher: members and a teacher, not a level of
    # the hierarchy, so a group rather than a second kind of class node.
    "kontaktlærergruppe": SUBJECT,
    # Upper-secondary programme and programme area: organisational units under the
    # school that students are placed in, not groups that teach.
    "utdanningsprogram": DEPARTMENT,
    "programområde": DEPARTMENT,
    "sfo": DEPARTMENT,  # after-school care: a unit of the school with its own staff
    # Groups of people who work together; groups, so they get a space and members.
    "foresattegruppe": SUBJECT,  # guardians (of a class or year)
    "språkopplæring": SUBJECT,  # language training group
    "sammensattgruppe": SUBJECT,  # composite group
    "elevråd": SUBJECT,  # student council
    "fau": SUBJECT,  # parents' council
    "skoleutvalg": SUBJECT,  # school board
    "skolemiljøutvalg": SUBJECT,  # school environment board
    "eksamensgruppe": SUBJECT,  # exam group
    # itslearning (scheme ItslearningOrganisationTypes).
    "school": SCHOOL,
    "course": COURSE,
    "coursegroup": SUBJECT,  # a group inside a course: its parent course is Group.course
    # Generic words seen in other IMS exports.
    "schoolowner": SCHOOL_OWNER,
    "district": SCHOOL_OWNER,
    "municipality": SCHOOL_OWNER,
    "department": DEPARTMENT,
    "year": YEAR,
    "grade": YEAR,
    "class": CLASS,
    "courseoffering": COURSE,
    "coursetemplate": COURSE,
    "section": SUBJECT,
    "coursesection": SUBJECT,
}


def classify(words: Iterable[str]) -> tuple[NodeType, str]:
    """The node type for a group's typevalue words, and the first word not in the table."""
    unknown = ""
    for word in words:
        found = TYPEVALUES.get(word.casefold())
        if found is not None:
            return found, ""
        unknown = unknown or word
    return DEFAULT, unknown
