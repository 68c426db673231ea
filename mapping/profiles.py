"""Site profiles and "match against profile": external role words to profiles."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

Category = Literal["staff", "students", "guardians"]


@dataclass(frozen=True, slots=True)
class Profile:
    """A site profile: what an account is, and the role it holds in groups."""

    name: str
    level: int
    hierarchy_role: str

    @property
    def category(self) -> Category:
        """The school-settings category this profile falls under."""
        if self.hierarchy_role == "student":
            return "students"
        if self.hierarchy_role == "guardian":
            return "guardians"
        return "staff"


# The six default profiles and the role words each matches out of the box:
# IMS roletype codes and names, IMS institution roles, OneRoster 1.1/1.2 roles
# and the role words of the gateway's own CSV in Nordic languages and English.
# System administrator matches nothing: a roster never grants super-admin.
DEFAULT_PROFILES: tuple[tuple[Profile, tuple[str, ...]], ...] = (
    (Profile("System administrator", 100, "admin"), ()),
    (
        Profile("Administrator", 50, "admin"),
        (
            "05", "07", "Manager", "Administrator",
            "districtAdministrator", "siteAdministrator", "systemAdministrator",
            "principal", "admin", "rektor", "skoleleder", "skolleder", "skoleleiar",
        ),
    ),
    (
        Profile("Staff", 30, "teacher"),
        (
            "02", "03", "06", "08", "Instructor", "Content Developer", "ContentDeveloper",
            "Mentor", "TeachingAssistant", "Faculty", "Staff", "teacher", "aide", "proctor",
            "counselor", "lærer", "laerer", "lärare", "larare", "ansatt", "anställd", "ansat",
            "personal", "medarbejder", "employee",
        ),
    ),
    (
        Profile("Student", 20, "student"),
        ("01", "04", "Learner", "Member", "student", "elev", "pupil", "elever"),
    ),
    (
        Profile("Guardian", 12, "guardian"),
        (
            "guardian", "parent", "relative", "foresatt", "foresatte", "forelder",
            "vårdnadshavare", "vardnadshavare", "forælder", "foraelder", "værge", "vaerge",
        ),
    ),
    (Profile("Guest", 10, "guest"), ("Guest", "ProspectiveStudent", "Observer", "gjest", "gäst")),
)  # fmt: skip


def role_key(role: str) -> str:
    """Normalise a role word for matching: trimmed and case-insensitive."""
    return " ".join(role.split()).casefold()


@dataclass(frozen=True)
class RoleMatcher:
    """Resolves external roles to profiles: the source's override, then the profile lists."""

    profiles: Mapping[str, Profile]
    site: Mapping[str, str]
    source: Mapping[str, str]

    def profile_for(self, role: str) -> Profile | None:
        """Return the profile a role matches, or None when it matches nothing."""
        key = role_key(role)
        name = self.source.get(key) or self.site.get(key)
        return self.profiles[name] if name else None

    def resolve(self, roles: Iterable[str]) -> tuple[Profile | None, list[str], list[Profile]]:
        """Match every role; return the highest profile, the unmapped roles and all matches."""
        matched: dict[str, Profile] = {}
        unmapped: list[str] = []
        for role in dict.fromkeys(roles):
            profile = self.profile_for(role)
            if profile is None:
                unmapped.append(role)
            else:
                matched[profile.name] = profile
        ordered = sorted(matched.values(), key=lambda p: -p.level)
        return (ordered[0] if ordered else None), unmapped, ordered
