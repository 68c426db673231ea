"""Feeds as registers really send them, end to end through the CLI on SQLite and PostgreSQL.

Issue 11, items 1-3: persons before their roles (pending persons), a file that speaks only
for what it holds, and the register's user-level role deciding the profile. Each test builds
a small feed of its own on the pattern of a real register's export; its docstring says whose.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gateway.store import models as m
from gateway.store.db import make_engine
from tests.ims.xmlfeed import PIFU_NS, feed, group, member, membership, person, role
from tests.oneroster.conftest import manifest_text
from tests.support.cli import Cli
from tests.support.packages import ENROLLMENTS, nordby

SCHOOL = group("S1", "Nordby skole", typevalue="school")
CLASS_8A = group("8A", "8A", typevalue="class", parent="S1")
CLASS_8B = group("8B", "8B", typevalue="class", parent="S1")
ZERO = dict.fromkeys(("created", "updated", "expired", "removed", "unchanged", "skipped"), 0)


class Feeds:
    """Writes feeds into the test folder and imports them through the CLI."""

    def __init__(self, cli: Cli, tmp_path: Path) -> None:
        self.cli, self.tmp_path, self.count = cli, tmp_path, 0

    def run(self, data: bytes | Path, *args: str, code: int = 0) -> dict[str, Any]:
        """Import an IMS document (bytes) or a package folder and return its report."""
        if isinstance(data, bytes):
            self.count += 1
            path = self.tmp_path / f"feed{self.count}.xml"
            path.write_bytes(data)
            data = path
        result = self.cli("import", str(data), "--json", *args)
        assert result.code == code, result.err or result.out
        return dict(result.json())


@pytest.fixture
def feeds(cli: Cli, tmp_path: Path) -> Feeds:
    """Imports feeds through the CLI."""
    return Feeds(cli, tmp_path)


def configure(tmp_path: Path, text: str) -> None:
    """Write the rostergate.toml the CLI reads from its working folder."""
    (tmp_path / "rostergate.toml").write_text(textwrap.dedent(text), encoding="utf-8")


def accounts(cli: Cli) -> dict[str, tuple[str, str, str, str]]:
    """Accounts by sync key: (given name, family name, profile, status)."""
    fields = ("given_name", "family_name", "profile", "status")
    return {a["sync_key"]: tuple(a[f] for f in fields) for a in cli.json("list", "accounts")}


def members(cli: Cli) -> set[tuple[str, str, str]]:
    """Memberships as (group key, account sync key, hierarchy role)."""
    keys = {a["username"]: a["sync_key"] for a in cli.json("list", "accounts")}
    return {(r["group"], keys[r["username"]], r["role"]) for r in cli.json("list", "memberships")}


def pending(url: str) -> dict[str, tuple[str, str]]:
    """The store's pending persons by sync key: (given name, family name)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            p = m.PendingPerson
            rows = conn.execute(select(p.sync_key, p.given_name, p.family_name))
            return {key: (given, family) for key, given, family in rows}
    finally:
        engine.dispose()


def issues(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(severity, code, key) of each issue in a report."""
    return [(i["severity"], i["code"], i["key"]) for i in report["issues"]]


def message(report: dict[str, Any], code: str) -> str:
    """The message of the one issue with this code."""
    (found,) = [i["message"] for i in report["issues"] if i["code"] == code]
    return str(found)


# ---------------------------------------------------------------------------------------
# 1. Persons arrive before their roles
# ---------------------------------------------------------------------------------------


def test_persons_without_a_role_wait_for_the_membership_file(
    feeds: Feeds, cli: Cli, database_url: str
) -> None:
    """Datatel Colleague's IMS export sends persons in one file and memberships in a later one.

    The persons file holds three <person> without <institutionrole> (IMS does not require
    one); the memberships file, a day later, puts P1 and T1 in 8A. P2 stays pending.
    """
    persons = feed(
        SCHOOL,
        CLASS_8A,
        person("P1", "Ada", "Berg"),
        person("P2", "Bo", "Dahl"),
        person("T1", "Kari", "Moe"),
    )
    first = feeds.run(persons)
    assert issues(first) == [("info", "pending_no_role", "")]
    assert message(first, "pending_no_role").startswith("3 person(s) have no role yet")
    assert first["counts"]["accounts"] == ZERO
    assert accounts(cli) == {}
    expected = {"P1": ("Ada", "Berg"), "P2": ("Bo", "Dahl"), "T1": ("Kari", "Moe")}
    assert pending(database_url) == expected

    enrolled = feed(membership("8A", member("P1", role("01")), member("T1", role("02"))))
    second = feeds.run(enrolled)
    assert issues(second) == []  # P2 waits on, unmentioned
    assert second["counts"]["accounts"] == {**ZERO, "created": 2}
    assert second["counts"]["memberships"] == {**ZERO, "created": 2}
    assert accounts(cli) == {
        "P1": ("Ada", "Berg", "Student", "active"),
        "T1": ("Kari", "Moe", "Staff", "active"),
    }
    assert members(cli) == {("8A", "P1", "student"), ("8A", "T1", "teacher")}
    assert pending(database_url) == {"P2": ("Bo", "Dahl")}


def test_a_person_whose_only_role_is_inactive_is_reported_as_such(
    feeds: Feeds, cli: Cli, database_url: str
) -> None:
    """IMS Enterprise: a member role with <status>0</status> is inactive (Moodle, Colleague)."""
    data = feed(
        SCHOOL,
        CLASS_8A,
        person("P1", "Ada", "Berg"),
        membership("8A", member("P1", role("01", status="0"))),
    )
    report = feeds.run(data)
    # Its inactive membership goes with it, and says so: every skip is explained.
    assert issues(report) == [("info", "role_inactive", "P1"), ("info", "person_skipped", "")]
    assert "no_role" not in {i["code"] for i in report["issues"]}
    assert accounts(cli) == {}
    assert pending(database_url) == {"P1": ("Ada", "Berg")}
    # The role comes alive in a later file: the pending person becomes the account.
    again = feeds.run(feed(membership("8A", member("P1", role("01")))))
    assert again["counts"]["accounts"] == {**ZERO, "created": 1}
    assert accounts(cli) == {"P1": ("Ada", "Berg", "Student", "active")}
    assert pending(database_url) == {}


def test_a_full_snapshot_drops_the_pending_persons_it_leaves_out(
    feeds: Feeds, cli: Cli, database_url: str
) -> None:
    """A register's nightly full IMS snapshot: a person without a role who leaves is gone.

    Nothing expires (there is no account), and the person's pending row is dropped.
    """
    enrolled = membership("8A", member("P1", role("01")))
    first = feed(SCHOOL, CLASS_8A, person("P1"), person("P2", "Bo", "Dahl"), enrolled, mode="full")
    feeds.run(first)
    assert pending(database_url) == {"P2": ("Bo", "Dahl")}
    report = feeds.run(feed(SCHOOL, CLASS_8A, person("P1"), enrolled, mode="full"))
    assert (report["state"], issues(report)) == ("applied", [])
    assert report["counts"]["accounts"] == {**ZERO, "unchanged": 1}
    assert pending(database_url) == {}
    assert accounts(cli) == {"P1": ("Ada", "Lovelace", "Student", "active")}


# ---------------------------------------------------------------------------------------
# 2. A file speaks only for what it holds
# ---------------------------------------------------------------------------------------


def test_a_membership_only_full_file_speaks_only_for_the_groups_it_names(
    feeds: Feeds, cli: Cli, tmp_path: Path
) -> None:
    """The official PIFU-IMS membership example (Utdanningsdirektoratet/pifu) declares
    <type>full</type> and holds one <membership>, no <person> and no <group>.

    Here: a full PIFU file makes P1, P2, P3, T1 in 8A and 8B; then a membership-only full
    file names 8A with P1 and T1. It expires nobody, removes P2 from 8A (the file speaks
    for 8A) and leaves 8B alone.
    """
    configure(tmp_path, "[sources.ims]\nremoval_threshold = 0.5\n")
    everyone = feed(
        SCHOOL,
        CLASS_8A,
        CLASS_8B,
        person("P1", "Ada", "Berg"),
        person("P2", "Bo", "Dahl"),
        person("P3", "Cato", "Eng"),
        person("T1", "Kari", "Moe"),
        membership(
            "8A", member("P1", role("01")), member("P2", role("01")), member("T1", role("02"))
        ),
        membership("8B", member("P3", role("01")), member("T1", role("02"))),
        mode="full",
        ns=PIFU_NS,
    )
    feeds.run(everyone)
    only = membership("8A", member("P1", role("01")), member("T1", role("02")))
    report = feeds.run(feed(only, mode="full", ns=PIFU_NS))
    assert (report["state"], issues(report)) == ("applied", [])
    assert report["counts"]["accounts"] == ZERO
    assert report["counts"]["memberships"] == {**ZERO, "unchanged": 2, "removed": 1}
    assert {s for _, _, _, s in accounts(cli).values()} == {"active"}
    assert members(cli) == {
        ("8A", "P1", "student"),
        ("8A", "T1", "teacher"),
        ("8B", "P3", "student"),
        ("8B", "T1", "teacher"),
    }


def test_an_enrollments_only_bulk_package_speaks_only_for_the_classes_it_names(
    feeds: Feeds, cli: Cli, tmp_path: Path
) -> None:
    """A OneRoster 1.1 package whose manifest marks every file but enrollments.csv absent
    (LMS projects' nightly enrollment pushes), after a full bulk package.

    The full package: teacher T1 and students P1-P3 in homeroom 8A and in MAT8. The
    enrollments file names 8A only, without P3: P3 leaves 8A, MAT8 keeps its four.
    """
    configure(tmp_path, "[sources.oneroster]\nremoval_threshold = 0.5\n")
    feeds.run(nordby(students=3).write(tmp_path / "bulk"))
    folder = tmp_path / "enrollments"
    folder.mkdir()
    rows = ["E-T1-8A,,,8A,S1,T1,teacher,,,", "E-P1-8A,,,8A,S1,P1,student,,,"]
    rows.append("E-P2-8A,,,8A,S1,P2,student,,,")
    files = {"enrollments.csv": "\n".join([ENROLLMENTS, *rows]) + "\n"}
    files["manifest.csv"] = manifest_text("1.1", files, {})
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    report = feeds.run(folder, "--format", "oneroster", "--source", "oneroster")
    assert report["state"] == "applied"
    assert report["counts"]["accounts"] == ZERO
    assert report["counts"]["memberships"] == {**ZERO, "unchanged": 3, "removed": 1}
    in_maths = {(g, k) for g, k, _ in members(cli) if g == "MAT8"}
    assert in_maths == {("MAT8", "T1"), ("MAT8", "P1"), ("MAT8", "P2"), ("MAT8", "P3")}
    assert ("8A", "P3", "student") not in members(cli)


# ---------------------------------------------------------------------------------------
# 3. The register's user-level role decides the profile
# ---------------------------------------------------------------------------------------


def test_a_pupil_teaching_one_class_stays_a_student(feeds: Feeds, cli: Cli, tmp_path: Path) -> None:
    """OneRoster samples (catalyst, OAT): a user whose users.csv role is student holds a
    teacher enrollment in one class. The register's role decides: Student, and the teacher
    enrollment is a teacher membership of that class.
    """
    world = nordby(students=2)
    world.enrollments.append(("P1", "MAT8", "teacher"))  # a pupil assisting in maths
    report = feeds.run(world.write(tmp_path / "package"), "--source", "oneroster")
    assert report["state"] == "applied"
    assert issues(report) == [("info", "class_role_differs", "")]
    assert message(report, "class_role_differs").startswith("1 person(s) hold a class role")
    assert accounts(cli)["P1"] == ("Åse", "Ødegård", "Student", "active")
    assert accounts(cli)["T1"][2] == "Staff"
    assert {(g, r) for g, k, r in members(cli) if k == "P1"} == {
        ("8A", "student"),
        ("MAT8", "student"),
        ("MAT8", "teacher"),
    }


def test_ims_institutionrole_decides_the_profile_and_class_roles_only_without_one(
    feeds: Feeds, cli: Cli
) -> None:
    """IMS Enterprise: a person's <institutionrole> is the register's user-level role
    (a university's PhD student who teaches a course is Student with an Instructor role).
    Without one, as in plain IMS feeds (Moodle's examples), the class roles decide.
    """
    student = '<institutionrole primaryrole="Yes" institutionroletype="Student"/>'
    data = feed(
        SCHOOL,
        CLASS_8A,
        person("P1", "Ada", "Berg", extra=student),
        person("T1", "Kari", "Moe"),
        membership("8A", member("P1", role("02")), member("T1", role("02"))),
    )
    report = feeds.run(data)
    assert issues(report) == [("info", "class_role_differs", "")]
    assert accounts(cli) == {
        "P1": ("Ada", "Berg", "Student", "active"),
        "T1": ("Kari", "Moe", "Staff", "active"),
    }
    assert members(cli) == {("8A", "P1", "teacher"), ("8A", "T1", "teacher")}
