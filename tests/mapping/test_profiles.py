"""Match against profile: role words to profiles, highest security level wins."""

from __future__ import annotations

from mapping.profiles import DEFAULT_PROFILES, RoleMatcher, role_key


def matcher(source: dict[str, str] | None = None) -> RoleMatcher:
    """A matcher over the default profiles."""
    profiles = {p.name: p for p, _ in DEFAULT_PROFILES}
    site = {role_key(r): p.name for p, roles in DEFAULT_PROFILES for r in roles}
    return RoleMatcher(profiles, site, source or {})


def test_default_levels_are_unique_and_as_specified() -> None:
    levels = {p.name: p.level for p, _ in DEFAULT_PROFILES}
    assert levels == {
        "System administrator": 100,
        "Administrator": 50,
        "Staff": 30,
        "Student": 20,
        "Guardian": 12,
        "Guest": 10,
    }


def test_every_role_word_matches_one_profile_only() -> None:
    keys = [role_key(r) for _, roles in DEFAULT_PROFILES for r in roles]
    assert len(keys) == len(set(keys))


def test_roles_from_every_vocabulary() -> None:
    m = matcher()
    expected = {
        "01": "Student",
        "02": "Staff",
        "08": "Staff",
        "05": "Administrator",
        "Learner": "Student",
        "Faculty": "Staff",
        "student": "Student",
        "teacher": "Staff",
        "aide": "Staff",
        "guardian": "Guardian",
        "parent": "Guardian",
        "relative": "Guardian",
        "districtAdministrator": "Administrator",
        "siteAdministrator": "Administrator",
        "systemAdministrator": "Administrator",
        "principal": "Administrator",
        "counselor": "Staff",
        "proctor": "Staff",
        "elev": "Student",
        "lærer": "Staff",
        "lärare": "Staff",
        "ansatt": "Staff",
        "personal": "Staff",
        "foresatt": "Guardian",
        "vårdnadshavare": "Guardian",
        "admin": "Administrator",
    }
    assert {role: m.profile_for(role).name for role in expected} == expected  # type: ignore[union-attr]


def test_matching_ignores_case_and_spacing() -> None:
    m = matcher()
    assert m.profile_for("  STUDENT ").name == "Student"  # type: ignore[union-attr]
    assert m.profile_for("Teaching Assistant") is None
    assert m.profile_for("TeachingAssistant").name == "Staff"  # type: ignore[union-attr]


def test_no_roster_role_reaches_system_administrator() -> None:
    system = next(roles for p, roles in DEFAULT_PROFILES if p.name == "System administrator")
    assert system == ()


def test_unknown_roles_get_no_profile() -> None:
    profile, unmapped, matched = matcher().resolve(["wizard"])
    assert (profile, unmapped, matched) == (None, ["wizard"], [])


def test_highest_level_wins_and_unmapped_are_listed() -> None:
    profile, unmapped, matched = matcher().resolve(["student", "teacher", "wizard", "student"])
    assert profile is not None and profile.name == "Staff"
    assert unmapped == ["wizard"]
    assert [p.name for p in matched] == ["Staff", "Student"]


def test_source_override_wins_over_the_site() -> None:
    m = matcher({role_key("teacher"): "Guest"})
    assert m.profile_for("Teacher").name == "Guest"  # type: ignore[union-attr]
    assert m.profile_for("student").name == "Student"  # type: ignore[union-attr]
