"""The OneRoster 1.2 rostering read endpoints as data: what each one reads and who may call it.

Every endpoint reads one of seven entities (orgs, academicSessions, courses,
classes, users, enrollments, demographics) with constraints of its own: schools
are orgs of type school, ``/schools/{id}/classes`` are classes with ``@school``
equal to the id. Fields starting with ``@`` name relations the store resolves;
a request's filter can never name them (the filter grammar starts fields with a
letter). Scopes are the 1.2 OpenAPI's: core reads take ``roster-core.readonly``
or ``roster.readonly``, relationship reads ``roster.readonly``, demographics
``roster-demographics.readonly``.
"""

from __future__ import annotations

from dataclasses import dataclass

SCOPE = "https://purl.imsglobal.org/spec/or/v1p2/scope/"
ROSTER, CORE, DEMOGRAPHICS = (
    SCOPE + "roster.readonly",
    SCOPE + "roster-core.readonly",
    SCOPE + "roster-demographics.readonly",
)
SCOPES = (ROSTER, CORE, DEMOGRAPHICS)

_COMMON = ("sourcedId", "status", "dateLastModified")
# The fields a filter or sort may name (a user's ``role`` is any of its roles' role).
FILTERABLE: dict[str, tuple[str, ...]] = {
    "orgs": (*_COMMON, "name", "type", "identifier"),
    "academicSessions": (*_COMMON, "title", "type", "startDate", "endDate", "schoolYear"),
    "courses": (*_COMMON, "title", "courseCode"),
    "classes": (*_COMMON, "title", "classCode", "classType"),
    "users": (
        *_COMMON,
        "enabledUser",
        "username",
        "givenName",
        "familyName",
        "email",
        "role",
    ),
    "enrollments": (*_COMMON, "role", "primary", "beginDate", "endDate"),
    "demographics": _COMMON,
}
# The fields ``fields=`` may select: the 1.2 OpenAPI's properties of each entity.
SELECTABLE: dict[str, tuple[str, ...]] = {
    "orgs": (*_COMMON, "metadata", "name", "type", "identifier", "parent", "children"),
    "academicSessions": (
        *_COMMON,
        "metadata",
        "title",
        "startDate",
        "endDate",
        "type",
        "parent",
        "children",
        "schoolYear",
    ),
    "courses": (
        *_COMMON,
        "metadata",
        "title",
        "schoolYear",
        "courseCode",
        "grades",
        "subjects",
        "org",
        "subjectCodes",
        "resources",
    ),
    "classes": (
        *_COMMON,
        "metadata",
        "title",
        "classCode",
        "classType",
        "location",
        "grades",
        "subjects",
        "course",
        "school",
        "terms",
        "subjectCodes",
        "periods",
        "resources",
    ),
    "users": (
        *_COMMON,
        "metadata",
        "userMasterIdentifier",
        "username",
        "userIds",
        "enabledUser",
        "givenName",
        "familyName",
        "middleName",
        "preferredFirstName",
        "preferredMiddleName",
        "preferredLastName",
        "pronouns",
        "roles",
        "userProfiles",
        "primaryOrg",
        "identifier",
        "email",
        "sms",
        "phone",
        "agents",
        "grades",
        "password",
        "resources",
    ),
    "enrollments": (
        *_COMMON,
        "metadata",
        "user",
        "class",
        "school",
        "role",
        "primary",
        "beginDate",
        "endDate",
    ),
    "demographics": (*_COMMON, "metadata"),
}
# An entity's envelope keys: (collection, single object).
ENVELOPES = {
    "orgs": ("orgs", "org"),
    "academicSessions": ("academicSessions", "academicSession"),
    "courses": ("courses", "course"),
    "classes": ("classes", "class"),
    "users": ("users", "user"),
    "enrollments": ("enrollments", "enrollment"),
    "demographics": ("demographics", "demographics"),
}


@dataclass(frozen=True, slots=True)
class Base:
    """A top-level collection: its entity, and constraints that narrow it (schools: type)."""

    path: str
    entity: str
    fixed: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Related:
    """A relationship endpoint: the items of one collection tied to parents named in the path.

    ``parents`` pairs each path parameter with the collection it must name (404 if
    it does not) and the relation field it constrains.
    """

    path: str
    collection: str
    parents: tuple[tuple[str, str, str], ...]  # (path parameter, parent collection, @field)


BASES = (
    Base("orgs", "orgs"),
    Base("schools", "orgs", (("type", "school"),)),
    Base("academicSessions", "academicSessions"),
    Base("terms", "academicSessions", (("type", "term"),)),
    Base("gradingPeriods", "academicSessions", (("type", "gradingPeriod"),)),
    Base("courses", "courses"),
    Base("classes", "classes"),
    Base("users", "users"),
    Base("students", "users", (("role", "student"),)),
    Base("teachers", "users", (("role", "teacher"),)),
    Base("enrollments", "enrollments"),
    Base("demographics", "demographics"),
)
BY_PATH = {base.path: base for base in BASES}

_SCHOOL = ("schoolSourcedId", "schools", "@school")
_CLASS = ("classSourcedId", "classes", "@class")
_IN_CLASS = "schools/{schoolSourcedId}/classes/{classSourcedId}"
_COURSE = ("courseSourcedId", "courses", "@course")
_STUDENT = ("studentSourcedId", "students", "@user")
_TEACHER = ("teacherSourcedId", "teachers", "@user")
_TERM = ("termSourcedId", "terms", "@term")
_USER = ("userSourcedId", "users", "@user")
RELATED = (
    Related("classes/{classSourcedId}/students", "students", (_CLASS,)),
    Related("classes/{classSourcedId}/teachers", "teachers", (_CLASS,)),
    Related("courses/{courseSourcedId}/classes", "classes", (_COURSE,)),
    Related("schools/{schoolSourcedId}/classes", "classes", (_SCHOOL,)),
    Related(f"{_IN_CLASS}/enrollments", "enrollments", (_SCHOOL, _CLASS)),
    Related(f"{_IN_CLASS}/students", "students", (_SCHOOL, _CLASS)),
    Related(f"{_IN_CLASS}/teachers", "teachers", (_SCHOOL, _CLASS)),
    Related("schools/{schoolSourcedId}/courses", "courses", (_SCHOOL,)),
    Related("schools/{schoolSourcedId}/enrollments", "enrollments", (_SCHOOL,)),
    Related("schools/{schoolSourcedId}/students", "students", (_SCHOOL,)),
    Related("schools/{schoolSourcedId}/teachers", "teachers", (_SCHOOL,)),
    Related("schools/{schoolSourcedId}/terms", "terms", (("schoolSourcedId", "schools", ""),)),
    Related("students/{studentSourcedId}/classes", "classes", (_STUDENT,)),
    Related("teachers/{teacherSourcedId}/classes", "classes", (_TEACHER,)),
    Related("terms/{termSourcedId}/classes", "classes", (_TERM,)),
    Related("terms/{termSourcedId}/gradingPeriods", "gradingPeriods", (_TERM,)),
    Related("users/{userSourcedId}/classes", "classes", (_USER,)),
)
# Fields the store resolves for each entity beside its filterable ones.
RELATIONS = {
    "academicSessions": ("@term",),
    "courses": ("@school",),
    "classes": ("@school", "@course", "@term", "@user"),
    "users": ("@school", "@class"),
    "enrollments": ("@school", "@class"),
}


def scopes_for(base: Base, related: bool) -> frozenset[str]:
    """The scopes any one of which lets a client read this endpoint."""
    if base.entity == "demographics":
        return frozenset({DEMOGRAPHICS})
    return frozenset({ROSTER} if related else {ROSTER, CORE})
