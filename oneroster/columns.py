"""The OneRoster 1.1 and 1.2 CSV binding as data: files, columns, vocabularies, scopes.

``required`` columns must be in the header and filled on every row; ``present``
columns must be in the header but may be empty. They are the columns the reader
cannot do without, not every column the spec marks required: a vendor that
leaves out ``schoolYear`` still gets its sessions read. Every other spec column
is optional. In a delta file ``status`` and ``dateLastModified`` are required.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mapping.records import Entity, OrgKind

Version = Literal["1.1", "1.2"]
Mode = Literal["bulk", "delta", "unknown"]  # unknown: no manifest said
VERSIONS: tuple[Version, ...] = ("1.1", "1.2")

COMMON = ("sourcedId", "status", "dateLastModified")
DELTA_REQUIRED = ("status", "dateLastModified")


@dataclass(frozen=True, slots=True)
class FileSpec:
    """One CSV file of the binding: its columns and what the reader needs of them."""

    name: str
    entity: str
    columns: tuple[str, ...] = ()
    required: tuple[str, ...] = ("sourcedId",)
    present: tuple[str, ...] = ()

    @property
    def file(self) -> str:
        """The file's name in a package."""
        return f"{self.name}.csv"


def _words(text: str) -> tuple[str, ...]:
    """Space-separated names as a tuple: the tables below stay readable."""
    return tuple(text.split())


def _spec(name: str, entity: str, columns: str, required: str = "", present: str = "") -> FileSpec:
    """A data file's spec from space-separated column names (the common three come first)."""
    return FileSpec(
        name,
        entity,
        (*COMMON, *_words(columns)),
        ("sourcedId", *_words(required)),
        _words(present),
    )


ORGS = _spec("orgs", "nodes", "name type identifier parentSourcedId", required="name type")
SESSIONS = _spec(
    "academicSessions",
    "groups",
    "title type startDate endDate parentSourcedId schoolYear",
    present="startDate endDate",
)
COURSES = _spec(
    "courses",
    "groups",
    "schoolYearSourcedId title courseCode grades orgSourcedId subjects subjectCodes",
    required="title orgSourcedId",
)
CLASSES = _spec(
    "classes",
    "groups",
    "title grades courseSourcedId classCode classType location schoolSourcedId termSourcedIds "
    "subjects subjectCodes periods",
    required="title classType schoolSourcedId",
)
_USER = "username userIds givenName familyName middleName identifier email sms phone "
_USER += "agentSourcedIds grades password"
USERS_11 = _spec(
    "users",
    "accounts",
    f"enabledUser orgSourcedIds role {_USER}",
    required="role",
    present="orgSourcedIds givenName familyName",
)
USERS_12 = _spec(
    "users",
    "accounts",
    f"enabledUser {_USER} userMasterIdentifier preferredGivenName preferredMiddleName "
    "preferredFamilyName primaryOrgSourcedId pronouns",
    present="givenName familyName",
)
ROLES = _spec(
    "roles",
    "accounts",
    "userSourcedId roleType role beginDate endDate orgSourcedId userProfileSourcedId",
    required="userSourcedId roleType role orgSourcedId",
)
ENROLLMENTS = _spec(
    "enrollments",
    "memberships",
    "classSourcedId schoolSourcedId userSourcedId role primary beginDate endDate",
    required="classSourcedId userSourcedId role",
)

# Files the gateway has no use for: named so they are recognised, never parsed.
# demographics is sensitive, userProfiles holds per-application credentials.
_IGNORED_11 = _words(
    "demographics categories classResources courseResources lineItems resources results"
)
_IGNORED_12 = _words(
    "userProfiles scoreScales lineItemScoreScales resultScoreScales "
    "lineItemLearningObjectiveIds resultLearningObjectiveIds userResources"
)

# Read in this order so every reference points backwards: roles before users
# (a user's claims are ready when the user streams by), users before enrollments.
READ: dict[Version, tuple[FileSpec, ...]] = {
    "1.1": (ORGS, SESSIONS, COURSES, CLASSES, USERS_11, ENROLLMENTS),
    "1.2": (ORGS, SESSIONS, COURSES, CLASSES, ROLES, USERS_12, ENROLLMENTS),
}
IGNORED: dict[Version, tuple[str, ...]] = {"1.1": _IGNORED_11, "1.2": _IGNORED_11 + _IGNORED_12}


def file_names(version: Version) -> tuple[str, ...]:
    """Every file name (without ``.csv``) the version defines."""
    return tuple(spec.name for spec in READ[version]) + IGNORED[version]


# A Scope is declared only when every file feeding the entity is bulk and was read:
# an absent file says nothing about its records, so it cannot prove them gone.
SCOPE_FILES: dict[Version, dict[Entity, tuple[str, ...]]] = {
    "1.1": {
        "accounts": ("users",),
        "nodes": ("orgs", "classes"),
        "groups": ("classes", "courses"),
        "memberships": ("enrollments",),
        "guardian_links": ("users",),
    },
    "1.2": {
        "accounts": ("users", "roles"),
        "nodes": ("orgs", "classes"),
        "groups": ("classes", "courses"),
        "memberships": ("enrollments",),
        "guardian_links": ("users",),
    },
}

# Header names vendors and the REST binding use for spec columns.
ALIASES = {
    "preferredFirstName": "preferredGivenName",  # 1.2 JSON name
    "preferredLastName": "preferredFamilyName",  # 1.2 JSON name
    "userId": "userIds",  # 1.0
    "agents": "agentSourcedIds",  # 1.0
    "grade": "grades",  # 1.0
    "schoolYearId": "schoolYearSourcedId",  # 1.0
    "termSourcedId": "termSourcedIds",  # 1.0
}
EXTENSION_PREFIXES = ("metadata.", "ext_", "ext:")

# Org types to hierarchy kinds. Everything above a school owns schools; the
# engine's site is configured, not sent.
ORG_KINDS: dict[str, OrgKind] = {
    "district": "school_owner",
    "local": "school_owner",
    "state": "school_owner",
    "national": "school_owner",
    "school": "school",
    "department": "department",
}
UNKNOWN_ORG_KIND: OrgKind = "school_owner"
CLASS_TYPES = ("homeroom", "scheduled")
ROLE_TYPES = ("primary", "secondary")
STATUSES = ("active", "tobedeleted")
LEGACY_DELETED = "inactive"  # OneRoster 1.0; read as tobedeleted
ROLE_WORDS = (
    "administrator",
    "aide",
    "counselor",
    "districtAdministrator",
    "guardian",
    "parent",
    "principal",
    "proctor",
    "relative",
    "siteAdministrator",
    "student",
    "systemAdministrator",
    "teacher",
)
# Roles that decide which side of an agentSourcedIds pair is the guardian.
GUARDIAN_ROLES = frozenset({"guardian", "parent", "relative"})
STUDENT_ROLES = frozenset({"student"})
