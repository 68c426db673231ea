"""IMS Enterprise and PIFU-IMS feeds end to end through the CLI, on SQLite and PostgreSQL.

Issue 4's tests at the store level: every external IMS fixture with hand-counted store
contents, Moodle's scenarios, namespaces, encodings, ordering, re-keys, full snapshots
and their thresholds, and hostile input. Expectations come from reading the XML (the
comment above each says how it was counted), and are checked on ``list ... --json``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.ims.xmlfeed import PIFU_NS, feed, group, member, membership, person, role, sourcedid
from tests.support.cli import Cli
from tests.support.fixtures import EXTERNAL

IMS = EXTERNAL / "ims"
PIFU_XSD = IMS / "PIFU-IMS_SAS.xsd"
LISTS = ("accounts", "nodes", "groups", "memberships")
COUNT_KEYS = ("created", "updated", "expired", "removed", "unchanged", "skipped")
IMSGLOBAL_NS = "http://www.imsglobal.org/xsd/imsep_rootv1p01"
IMSPROJECT_NS = "http://www.imsproject.org/xsd/imsep_rootv1p01"


class Feeds:
    """Writes IMS documents into the test folder and imports them through the CLI."""

    def __init__(self, cli: Cli, tmp_path: Path) -> None:
        self.cli, self.tmp_path, self.count = cli, tmp_path, 0

    def write(self, data: bytes) -> Path:
        """Write one document to a new file and return its path."""
        self.count += 1
        path = self.tmp_path / f"feed{self.count}.xml"
        path.write_bytes(data)
        return path

    def run(self, data: bytes | Path, *args: str, code: int = 0) -> dict[str, Any]:
        """Import a document (bytes or a fixture path) and return its report."""
        path = data if isinstance(data, Path) else self.write(data)
        result = self.cli("import", str(path), "--json", *args)
        assert result.code == code, result.err or result.out
        return dict(result.json())


@pytest.fixture
def feeds(cli: Cli, tmp_path: Path) -> Feeds:
    """Imports IMS documents through the CLI."""
    return Feeds(cli, tmp_path)


def configure(tmp_path: Path, text: str) -> None:
    """Write the rostergate.toml the CLI reads from its working folder (the test's tmp_path)."""
    (tmp_path / "rostergate.toml").write_text(text, encoding="utf-8")


def store(cli: Cli) -> dict[str, Any]:
    """Everything `list` shows, for before/after comparisons."""
    return {what: cli.json("list", what) for what in LISTS}


def accounts(cli: Cli) -> dict[str, tuple[Any, ...]]:
    """Accounts by sync key: (username, given, family, email, profile, status, nodes)."""
    fields = ("username", "given_name", "family_name", "email", "profile", "status", "nodes")
    return {a["sync_key"]: tuple(a[f] for f in fields) for a in cli.json("list", "accounts")}


def nodes(cli: Cli) -> dict[str, tuple[str, str, str]]:
    """Nodes by sync key: (path, kind, status)."""
    return {n["sync_key"]: (n["path"], n["kind"], n["status"]) for n in cli.json("list", "nodes")}


def groups(cli: Cli) -> dict[str, tuple[Any, ...]]:
    """Groups by sync key: (name, kind, school path, class node path, members, status)."""
    fields = ("name", "kind", "school", "node", "members", "status")
    return {g["sync_key"]: tuple(g[f] for f in fields) for g in cli.json("list", "groups")}


def members(cli: Cli) -> set[tuple[Any, ...]]:
    """Memberships as (group key, username, role, begin, end); none may be listed twice."""
    fields = ("group", "username", "role", "begin", "end")
    rows = [tuple(m[f] for f in fields) for m in cli.json("list", "memberships")]
    assert len(set(rows)) == len(rows), rows
    return set(rows)


def issues(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    """(severity, code, key, line) of each issue in a report."""
    return [(i["severity"], i["code"], i["key"], i["line"]) for i in report["issues"]]


def counts(report: dict[str, Any], what: str) -> dict[str, int]:
    """One kind of count for every entity, e.g. every ``created``."""
    return {entity: c[what] for entity, c in report["counts"].items()}


def tally(**nonzero: int) -> dict[str, int]:
    """One entity's counts in a report: zero but for ``nonzero``."""
    return {**dict.fromkeys(COUNT_KEYS, 0), **nonzero}


# ---------------------------------------------------------------------------------------
# 1. The external fixtures
# ---------------------------------------------------------------------------------------

# example.xml (Moodle; ASCII under an ISO-8859-1 declaration; no namespace, no properties/type,
# so a delta). `grep -c '<person>'` = 5; one <group> with no grouptype (a course, "Phrenology"
# from description/short) and one org/orgunit ("Inconsequential studies" → a school node);
# `grep -n roletype`: one <membership>, 5 members, four roletype 01 (Learner → Student) and one
# 02 (DSTOW61, Instructor → Staff), all <status>1</status>, no recstatus. Usernames are the
# <userid> texts; 91046433 has <userid/> → generated from SIMON SHIKALISLAMI → SiSh. No <email>
# → "". Names are trimmed (" SHIKALISLAMI" → "SHIKALISLAMI"). A course membership places
# nobody in the hierarchy → nodes [].
EXAMPLE_ACCOUNTS: dict[str, tuple[Any, ...]] = {
    "91046433": ("SiSh", "SIMON", "SHIKALISLAMI", "", "Student", "active", []),
    "90078058": ("IMGBY26", "CHLOE", "PIOTROWSKA", "", "Student", "active", []),
    "90182274": ("IMCAY21", "ALIZA", "YEBOAH", "", "Student", "active", []),
    "90528553": ("IMGBX76", "MIRIAM", "RAJAKUMAR", "", "Student", "active", []),
    "DSTOW61": ("CCAADAS", "DAN", "STOWELL", "", "Staff", "active", []),
}
COURSE = "PHRE1001A2005/06T1/2"
SCHOOL = "Inconsequential studies"
EXAMPLE_MEMBERS = {
    (COURSE, "SiSh", "student", None, None),
    (COURSE, "IMGBY26", "student", None, None),
    (COURSE, "IMCAY21", "student", None, None),
    (COURSE, "IMGBX76", "student", None, None),
    (COURSE, "CCAADAS", "teacher", None, None),
}


def test_example_xml_is_detected_and_imported(feeds: Feeds, cli: Cli) -> None:
    report = feeds.run(IMS / "example.xml")  # no --format: detected from <enterprise>
    assert (report["state"], issues(report)) == ("applied", [])
    assert counts(report, "created") == {
        "accounts": 5,
        "nodes": 1,
        "groups": 1,
        "memberships": 5,
        "guardian_links": 0,
    }
    assert accounts(cli) == EXAMPLE_ACCOUNTS
    assert nodes(cli) == {SCHOOL: (SCHOOL, "school", "active")}
    assert groups(cli) == {COURSE: ("Phrenology", "course", SCHOOL, None, 5, "active")}
    assert members(cli) == EXAMPLE_MEMBERS
    assert [r["format"] for r in cli.json("runs")] == ["ims"]


# example-oneline.xml: the data of example.xml on one line (`wc -l` = 0), but its <group> has
# no <org>, so no node and a course without a school. Every issue would be on line 1.
def test_example_oneline_xml(feeds: Feeds, cli: Cli) -> None:
    report = feeds.run(IMS / "example-oneline.xml", "--format", "ims")
    assert (report["state"], issues(report)) == ("applied", [])
    assert counts(report, "created")["accounts"] == 5
    assert accounts(cli) == EXAMPLE_ACCOUNTS
    assert nodes(cli) == {}
    assert groups(cli) == {COURSE: ("Phrenology", "course", None, None, 5, "active")}
    assert members(cli) == EXAMPLE_MEMBERS


# example-grouped.xml into an empty store: as example.xml, but `<group recstatus="3">` (the
# course is deleted, so never created: its 5 member roles are skipped with it) and member
# 90078058's only role has recstatus="3": a new person with no live role is kept pending
# → info role_inactive at its <person recstatus = "1"> on line 25 (`grep -n recstatus`). The
# orgunit still makes the school node. → 4 accounts, 1 node, 0 groups, 0 memberships.
def test_example_grouped_xml_into_an_empty_store(feeds: Feeds, cli: Cli) -> None:
    report = feeds.run(IMS / "example-grouped.xml", "--format", "ims")
    assert issues(report) == [
        ("info", "role_inactive", "90078058", 25),
        ("info", "group_deleted", COURSE, None),  # why the 5 memberships are skipped
    ]
    assert report["counts"]["accounts"]["skipped"] == 0  # kept pending, not skipped
    assert report["counts"]["memberships"]["skipped"] == 5
    expected = {k: v for k, v in EXAMPLE_ACCOUNTS.items() if k != "90078058"}
    assert accounts(cli) == expected
    assert nodes(cli) == {SCHOOL: (SCHOOL, "school", "active")}
    assert (groups(cli), members(cli)) == ({}, set())


# PIFU-IMS_SAS_eksempel.xml (PIFU namespace, <type>full</type>), counted with
# `grep -n -E '<person|<group|<membership|<member>|<role|<typevalue|relationship|<userid'`:
# - 5 <person>. Janne Stor (Old/New sourcedid; key = the New one, global_ID_01235; userid
#   type username "jannest"); Ola Nordmann ("olanord"; two pifu_hasContactPerson type guardian:
#   Jon 03822 and Bertha 03823); Morten Stor (only Janne's nextOfKin, no membership → no role →
#   kept pending: one info pending_no_role); Jon and Bertha (no userid → generated JoNo, BeNo;
#   Guardian from the links). Janne holds 02 and 01 at global_ID_org_2 → Staff and Student →
#   Staff, info multiple_roles at her <person> (line 55). Only Janne and Ola have an <email>.
# - 9 <group>: skoleeier org_2 "Måne kommune" (names itself: the root), skole org_17 under it,
#   and under the school: basisgruppe 7A (class), trinn "7" (year), utdanningsprogram and
#   programområde (departments) → 6 nodes; 7A's class group, undervisningsgruppe MAT0008-8A and
#   kontaktlærergruppe (subject), fag MAT0008 (course) → 4 groups.
# - 9 <membership>: two name groups missing from the file (lines 1310, 1690) → 4 roles are
#   unresolved_reference errors (role lines 1328, 1365, 1708, 1738). Of the rest, the 7A class
#   and the kontaktlærergruppe give memberships (Janne teacher, Ola student: 4); org_2, org_17,
#   the year and the two departments are placements (the deepest paths are listed as nodes).
# - 2 guardian links (Jon → Ola, Bertha → Ola); the nextOfKin contact is info ignored_contact
#   (line 229). `list` has no guardian-link view: the links show in the counts, and in the
#   Guardian profile the two parents only get from them.
MOON = "Måne kommune/Måneflekken skole"
SCIENCE, STUDIES = f"{MOON}/Måneflekken Realfag 2", f"{MOON}/Måneflekken Studiespesialisering"
PLACED = [f"{MOON}/7", f"{MOON}/7A", SCIENCE, STUDIES]  # sorted: the deepest paths only
JANNE, OLA = "janne.stor@måne.kommune.no", "ola_nordmann93@hotmail.com"
PIFU_ACCOUNTS = {
    "global_ID_01235": ("jannest", "Janne", "Stor", JANNE, "Staff", "active", PLACED),
    "global_ID_01236": ("olanord", "Ola Tobias", "Nordmann", OLA, "Student", "active", PLACED),
    "global_ID_03822": ("JoNo", "Jon", "Nordmann", "", "Guardian", "active", []),
    "global_ID_03823": ("BeNo", "Bertha", "Nordmann", "", "Guardian", "active", []),
}
PIFU_NODES = {
    "global_ID_org_2": ("Måne kommune", "school_owner", "active"),
    "global_ID_org_17": (MOON, "school", "active"),
    "global_ID_basis_Måneflekken_7A": (f"{MOON}/7A", "class", "active"),
    "global_ID_trinn_måneflekken_7": (f"{MOON}/7", "year", "active"),
    "global_ID_utdp_måneflekken_st": (STUDIES, "department", "active"),
    "global_ID_prgo_måneflekken_strea2": (SCIENCE, "department", "active"),
}
CLASS_7A, CONTACT = "global_ID_basis_Måneflekken_7A", "global_ID_kontl_Måneflekken_jannest"
PIFU_GROUPS = {
    CLASS_7A: ("7A", "class", MOON, f"{MOON}/7A", 2, "active"),
    CONTACT: ("Kontaktlærer Janne Stor", "subject", MOON, None, 2, "active"),
    "global_ID_gr_MAT0008_Måneflekken08": ("MAT0008-8A", "subject", MOON, None, 0, "active"),
    "global_ID_fag_MAT0008": ("MAT0008", "course", MOON, None, 0, "active"),
}
PIFU_MEMBERS = {
    (CLASS_7A, "jannest", "teacher", None, None),
    (CLASS_7A, "olanord", "student", None, None),
    (CONTACT, "jannest", "teacher", None, None),
    (CONTACT, "olanord", "student", None, None),
}
PIFU_ISSUES = [
    ("info", "ignored_contact", "", 229),
    ("error", "unresolved_reference", "global_ID_01235@global_ID_gr_Astr001_Måneflekken07", 1328),
    ("error", "unresolved_reference", "global_ID_01236@global_ID_gr_Astr001_Måneflekken07", 1365),
    ("error", "unresolved_reference", "global_ID_01235@global_ID_fag_Astr001", 1708),
    ("error", "unresolved_reference", "global_ID_01236@global_ID_fag_Astr001", 1738),
    ("info", "multiple_roles", "global_ID_01235", 55),
    ("info", "pending_no_role", "", None),
]
PIFU_CREATED = {"accounts": 4, "nodes": 6, "groups": 4, "memberships": 4, "guardian_links": 2}


def assert_pifu_store(cli: Cli) -> None:
    """The store holds exactly what the PIFU example says (see the hand count above)."""
    assert accounts(cli) == PIFU_ACCOUNTS
    assert nodes(cli) == PIFU_NODES
    assert groups(cli) == PIFU_GROUPS
    assert members(cli) == PIFU_MEMBERS


def test_pifu_example(feeds: Feeds, cli: Cli) -> None:
    report = feeds.run(IMS / "PIFU-IMS_SAS_eksempel.xml")  # detected, no --format
    assert issues(report) == PIFU_ISSUES
    assert counts(report, "created") == PIFU_CREATED
    assert report["counts"]["accounts"]["skipped"] == 0  # Morten Stor is kept pending
    assert_pifu_store(cli)
    again = feeds.run(IMS / "PIFU-IMS_SAS_eksempel.xml")  # the links are in the store now
    assert counts(again, "unchanged") == PIFU_CREATED
    assert sum(counts(again, "expired").values()) + sum(counts(again, "removed").values()) == 0


def test_pifu_example_is_valid_against_the_xsd_in_strict_mode(
    feeds: Feeds, cli: Cli, tmp_path: Path
) -> None:
    configure(tmp_path, f'pifu_schema = "{PIFU_XSD}"\n')
    report = feeds.run(IMS / "PIFU-IMS_SAS_eksempel.xml", "--format", "ims", "--strict")
    assert (report["state"], issues(report)) == ("applied", PIFU_ISSUES)
    assert_pifu_store(cli)
    # The schema is really in force: a PIFU document breaking it (a userid without the
    # required useridtype, on line 4) fails in strict mode and writes nothing.
    broken = feed(person("p1", userid="ada"), mode="delta", ns=PIFU_NS)
    failed = feeds.run(broken, "--strict", code=1)
    assert (failed["state"], issues(failed)) == ("failed", [("error", "schema_violation", "", 4)])
    assert accounts(cli) == PIFU_ACCOUNTS


def test_a_full_snapshot_for_another_target_expires_nothing(
    feeds: Feeds, cli: Cli, tmp_path: Path
) -> None:
    feeds.run(IMS / "PIFU-IMS_SAS_eksempel.xml")
    configure(tmp_path, '[sources.ims]\ntarget = "another-lms"\n')  # the file says mitt-bas@…
    report = feeds.run(IMS / "PIFU-IMS_SAS_eksempel.xml")
    assert issues(report) == [("info", "target_mismatch", "", 18)]  # <properties> on line 18
    nothing = dict.fromkeys(PIFU_CREATED, 0)
    assert counts(report, "unchanged") == counts(report, "expired") == nothing
    assert_pifu_store(cli)


# ---------------------------------------------------------------------------------------
# 2. Moodle's scenarios, on a small school of our own
# ---------------------------------------------------------------------------------------

# Nordby skole (typevalue school) and class 8A under it (typevalue class: a node and its class
# group). Nine students (roletype 01) and one teacher (02) in 8A: 10 accounts, 10 memberships,
# so one removal is exactly 10 %, which the default threshold allows (it holds *more* than
# 10 %). No <userid>: usernames are generated, given[:2] + family[:2], and no two collide.
PEOPLE = {
    "1001": ("Ada", "Berg", "AdBe"),
    "1002": ("Bo", "Dahl", "BoDa"),
    "1003": ("Cato", "Eng", "CaEn"),
    "1004": ("Dina", "Fosse", "DiFo"),
    "1005": ("Emil", "Gran", "EmGr"),
    "1006": ("Frida", "Holm", "FrHo"),
    "1007": ("Geir", "Iversen", "GeIv"),
    "1008": ("Hanne", "Juul", "HaJu"),
    "1009": ("Ivar", "Krog", "IvKr"),
    "T1": ("Kari", "Moe", "KaMo"),
}
ALL = tuple(PEOPLE)
NORDBY = group("S1", "Nordby skole", typevalue="school")
CLASS_8A = group("8A", "8A", typevalue="class", parent="S1")
NORDBY_NODES = {
    "S1": ("Nordby skole", "school", "active"),
    "8A": ("Nordby skole/8A", "class", "active"),
}
NORDBY_GROUPS = {"8A": ("8A", "class", "Nordby skole", "Nordby skole/8A", 10, "active")}


def roletype(key: str) -> str:
    """The roletype PEOPLE[key] has in 8A: 02 for the teacher, 01 for the students."""
    return "02" if key == "T1" else "01"


def people(keys: tuple[str, ...] = ALL) -> list[str]:
    """``person`` elements for PEOPLE."""
    return [person(key, *PEOPLE[key][:2]) for key in keys]


def enrol(key: str) -> str:
    """The ``member`` of 8A for PEOPLE[key], with their role."""
    return member(key, role(roletype(key)))


def class_8a(keys: tuple[str, ...] = ALL) -> str:
    """The ``membership`` of class 8A for PEOPLE."""
    return membership("8A", *map(enrol, keys))


def world(
    keys: tuple[str, ...] = ALL, enrolled: tuple[str, ...] | None = None, **options: Any
) -> bytes:
    """Nordby: the school, class 8A, PEOPLE (``keys``) and their 8A memberships (``enrolled``)."""
    enrolled = keys if enrolled is None else enrolled
    return feed(NORDBY, CLASS_8A, *people(keys), class_8a(enrolled), **options)


def without(*gone: str) -> tuple[str, ...]:
    """ALL but ``gone``."""
    return tuple(key for key in ALL if key not in gone)


def nordby_accounts() -> dict[str, tuple[Any, ...]]:
    """The accounts `world()` makes: placed in 8A through its class group."""
    profile = {"01": "Student", "02": "Staff"}
    return {
        key: (user, given, family, "", profile[roletype(key)], "active", ["Nordby skole/8A"])
        for key, (given, family, user) in PEOPLE.items()
    }


def nordby_members(keys: tuple[str, ...] = ALL) -> set[tuple[Any, ...]]:
    """The 8A memberships of PEOPLE."""
    role_of = {"01": "student", "02": "teacher"}
    return {("8A", PEOPLE[key][2], role_of[roletype(key)], None, None) for key in keys}


def assert_nordby(cli: Cli) -> None:
    """The store holds exactly what `world()` says."""
    assert accounts(cli) == nordby_accounts()
    assert nodes(cli) == NORDBY_NODES
    assert groups(cli) == NORDBY_GROUPS
    assert members(cli) == nordby_members()


NORDBY_CREATED = {"accounts": 10, "nodes": 2, "groups": 1, "memberships": 10, "guardian_links": 0}


def test_add_persons(feeds: Feeds, cli: Cli) -> None:
    report = feeds.run(world())
    assert (report["state"], issues(report)) == ("applied", [])
    assert counts(report, "created") == NORDBY_CREATED
    assert report["new_nodes"] == ["Nordby skole", "Nordby skole/8A"]
    assert_nordby(cli)
    again = feeds.run(world())
    assert counts(again, "unchanged") == NORDBY_CREATED
    assert sum(counts(again, "created").values()) + sum(counts(again, "updated").values()) == 0


def test_update_changes_exactly_the_sent_fields(feeds: Feeds, cli: Cli) -> None:
    feeds.run(world())
    email = "<email>adele.bergh@nordby.no</email>"
    report = feeds.run(feed(person("1001", "Adele", "Bergh", recstatus="2", extra=email)))
    assert (report["counts"]["accounts"]["updated"], issues(report)) == (1, [])
    assert cli.json("changes", str(report["run"])) == [
        {
            "entity": "accounts",
            "key": "1001",
            "action": "update",
            "origin": "sync",
            "planned": False,
            "before": {"given_name": "Ada", "family_name": "Berg", "email": ""},
            "after": {
                "given_name": "Adele",
                "family_name": "Bergh",
                "email": "adele.bergh@nordby.no",
            },
            "name": "Adele Bergh (AdBe)",
            "fields": [
                ["given_name", "Ada", "Adele"],
                ["family_name", "Berg", "Bergh"],
                ["email", "", "adele.bergh@nordby.no"],
            ],
        }
    ]
    expected = nordby_accounts()
    expected["1001"] = ("AdBe", "Adele", "Bergh", "adele.bergh@nordby.no", *expected["1001"][4:])
    assert accounts(cli) == expected
    assert members(cli) == nordby_members()


def delete(key: str) -> bytes:
    """A delta deleting PEOPLE[key] (person recstatus 3)."""
    return feed(person(key, *PEOPLE[key][:2], recstatus="3"))


def test_delete_expires_the_account_and_keeps_its_username(feeds: Feeds, cli: Cli) -> None:
    feeds.run(world())
    report = feeds.run(delete("1001"))  # 1 of 10 accounts and memberships: not held
    assert (report["state"], issues(report)) == ("applied", [])
    assert report["counts"]["accounts"]["expired"] == 1
    assert report["counts"]["memberships"]["removed"] == 1  # its sync membership goes with it
    expected = nordby_accounts()
    expected["1001"] = ("AdBe", "Ada", "Berg", "", "Student", "expired", [])
    assert accounts(cli) == expected
    assert next(a for a in cli.json("list", "accounts") if a["sync_key"] == "1001")["expired_at"]
    assert members(cli) == nordby_members(without("1001"))
    back = feeds.run(world())  # back in the feed: the same account, the same username
    assert [i[:3] for i in issues(back)] == [("info", "restored", "1001")]
    assert_nordby(cli)


def test_delete_is_ignored_when_the_source_may_not_remove(
    feeds: Feeds, cli: Cli, tmp_path: Path
) -> None:
    configure(tmp_path, "[sources.ims]\nremovals = false\n")
    feeds.run(world())
    report = feeds.run(delete("1001"))
    assert issues(report) == [("info", "removals_off", "", None)]
    assert counts(report, "expired") == dict.fromkeys(NORDBY_CREATED, 0)
    assert_nordby(cli)


@pytest.mark.parametrize(
    "gone", [role("01", status="0"), role("01", recstatus="3")], ids=["status-0", "recstatus-3"]
)
def test_unenrol_removes_the_membership_and_keeps_the_account(
    feeds: Feeds, cli: Cli, gone: str
) -> None:
    feeds.run(world())
    report = feeds.run(feed(membership("8A", member("1002", gone))))
    assert (report["state"], issues(report)) == ("applied", [])
    assert report["counts"]["memberships"]["removed"] == 1
    assert report["counts"]["accounts"] == dict.fromkeys(report["counts"]["accounts"], 0)
    expected = nordby_accounts()
    expected["1002"] = ("BoDa", "Bo", "Dahl", "", "Student", "active", [])  # no class: no node
    assert accounts(cli) == expected
    assert members(cli) == nordby_members(without("1002"))


def test_empty_userid_generates_a_username(feeds: Feeds, cli: Cli) -> None:
    # Siri Vik → SiVi; Sindre Vikan → SiVi is taken → 3 + 3 letters: SinVik.
    siri = person("2001", "Siri", "Vik", userid="")
    sindre = person("2002", "Sindre", "Vikan", userid="")
    enrol = membership("8A", member("2001", role("01")), member("2002", role("01")))
    data = feed(NORDBY, CLASS_8A, siri, sindre, enrol).replace(b"<userid></userid>", b"<userid/>")
    assert data.count(b"<userid/>") == 2
    feeds.run(data)
    got = {key: value[:3] for key, value in accounts(cli).items()}
    assert got == {"2001": ("SiVi", "Siri", "Vik"), "2002": ("SinVik", "Sindre", "Vikan")}


def test_whitespace_around_ids_finds_the_same_account(feeds: Feeds, cli: Cli) -> None:
    feeds.run(world())
    spaced_class = group(" 8A ", "8A", typevalue="class", parent="\tS1 ")
    spaced_member = membership(" 8A ", member("  1001 ", role("01")))
    report = feeds.run(feed(spaced_class, person(" 1001\n\t", "Ada", "Berg"), spaced_member))
    assert issues(report) == []
    assert report["counts"]["accounts"] == report["counts"]["memberships"] == tally(unchanged=1)
    assert report["counts"]["nodes"] == report["counts"]["groups"] == tally(unchanged=1)
    assert_nordby(cli)


def test_one_line_file(feeds: Feeds, cli: Cli) -> None:
    data = world().replace(b"\n", b"")
    assert b"\n" not in data
    report = feeds.run(data)
    assert (counts(report, "created"), issues(report)) == (NORDBY_CREATED, [])
    assert_nordby(cli)


# example-grouped.xml after example.xml, in one source ("moodle"): its course has
# recstatus="3" (→ inactive, never deleted), member 90078058's role has recstatus="3" (→ that
# membership removed, the account stays), 90528553's role gains timeframe restrict="1"
# 2005-12-25..2005-12-31 (→ stored on the membership), DSTOW61's role recstatus="2" changes
# nothing. One of the school's 5 memberships is 20 %: the source allows up to 50 %.
MOODLE = "[sources.moodle]\nremoval_threshold = 0.5\n"
TARGETS = MOODLE + 'target = "moodle"\n\n[sources.elsewhere]\ntarget = "blackboard"\n'


def test_grouped_file_with_a_target_and_timeframes(feeds: Feeds, cli: Cli, tmp_path: Path) -> None:
    configure(tmp_path, MOODLE)  # example.xml names no target: import it before asking for one
    feeds.run(IMS / "example.xml", "--source", "moodle")
    configure(tmp_path, TARGETS)
    before = store(cli)
    other = feeds.run(IMS / "example-grouped.xml", "--source", "elsewhere")
    assert issues(other) == [("info", "target_mismatch", "", 3)]  # <properties> on line 3
    assert sum(sum(c.values()) for c in other["counts"].values()) == 0
    assert store(cli) == before
    report = feeds.run(IMS / "example-grouped.xml", "--source", "moodle")
    assert (report["state"], issues(report)) == ("applied", [])
    assert report["counts"]["groups"]["expired"] == 1  # inactivated
    assert report["counts"]["memberships"] == tally(updated=1, removed=1, unchanged=3)
    assert groups(cli) == {COURSE: ("Phrenology", "course", SCHOOL, None, 4, "inactive")}
    gone = {(COURSE, "IMGBY26", "student", None, None), (COURSE, "IMGBX76", "student", None, None)}
    dated = (COURSE, "IMGBX76", "student", "2005-12-25", "2005-12-31")
    assert members(cli) == (EXAMPLE_MEMBERS - gone) | {dated}
    assert accounts(cli) == EXAMPLE_ACCOUNTS


def timeframe(restrict: str) -> str:
    """A role's ``timeframe`` 2024-08-15..2025-06-20 with the given ``restrict``."""
    begin = f'<begin restrict="{restrict}">2024-08-15</begin>'
    return f'<timeframe>{begin}<end restrict="{restrict}">2025-06-20</end></timeframe>'


def test_role_dates_are_stored_only_when_restricted(feeds: Feeds, cli: Cli) -> None:
    feeds.run(world())
    enforced = member("1001", role("01", extra=timeframe("1")))
    informational = member("1002", role("01", extra=timeframe("0")))
    report = feeds.run(feed(membership("8A", enforced, informational)))
    assert report["counts"]["memberships"]["updated"] == 1
    dated = ("8A", "AdBe", "student", "2024-08-15", "2025-06-20")
    assert members(cli) == nordby_members(without("1001")) | {dated}


# ---------------------------------------------------------------------------------------
# 3-5. Namespaces, encodings, order
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ns",
    ["", IMSGLOBAL_NS, IMSPROJECT_NS, PIFU_NS],
    ids=["none", "imsglobal", "imsproject", "pifu"],
)
def test_namespaced_input_gives_the_same_store(feeds: Feeds, cli: Cli, ns: str) -> None:
    data = world(ns=ns)
    assert (f'xmlns="{ns}"'.encode() in data) == bool(ns)
    report = feeds.run(data)  # detected as IMS in any namespace
    assert (counts(report, "created"), issues(report)) == (NORDBY_CREATED, [])
    assert_nordby(cli)


def test_iso_8859_1_feed(feeds: Feeds, cli: Cli) -> None:
    names = {"4001": ("Åse", "Ødegård"), "4002": ("Bjørn", "Æsøy"), "4003": ("Jörg", "Müßig")}
    parts = [person(key, given, family) for key, (given, family) in names.items()]
    school = group("S2", "Årstad skole", typevalue="school")
    klass = group("9Ø", "9Ø", typevalue="class", parent="S2")
    enrol = membership("9Ø", *(member(key, role("01")) for key in names))
    data = feed(school, klass, *parts, enrol, encoding="ISO-8859-1")
    assert b'encoding="ISO-8859-1"' in data and "Ødegård".encode("latin-1") in data
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really Latin-1 bytes, not UTF-8
    assert issues(feeds.run(data)) == []
    # Transliterated: Å→A, Ø→O, æ→ae, ö→o, ü→u (DESIGN §4).
    assert {key: value[:3] for key, value in accounts(cli).items()} == {
        "4001": ("AsOd", "Åse", "Ødegård"),
        "4002": ("BjAe", "Bjørn", "Æsøy"),
        "4003": ("JoMu", "Jörg", "Müßig"),
    }
    assert nodes(cli) == {
        "S2": ("Årstad skole", "school", "active"),
        "9Ø": ("Årstad skole/9Ø", "class", "active"),
    }


@pytest.mark.parametrize("mode", [None, "full"])
def test_memberships_before_persons_and_children_before_parents(
    feeds: Feeds, cli: Cli, mode: str | None
) -> None:
    data = feed(class_8a(), *people(), CLASS_8A, NORDBY, mode=mode)
    report = feeds.run(data)
    assert (counts(report, "created"), issues(report)) == (NORDBY_CREATED, [])
    assert_nordby(cli)


# ---------------------------------------------------------------------------------------
# 6. Re-key
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [None, "full"])
def test_rekey_keeps_the_account(feeds: Feeds, cli: Cli, mode: str | None) -> None:
    feeds.run(world(mode=mode))
    before = members(cli)
    rekeyed = person("N1001", "Ada", "Berg").replace(
        sourcedid("N1001"), sourcedid("1001", "Old") + sourcedid("N1001", "New")
    )
    others = without("1001")
    enrolled = membership("8A", member("N1001", role("01")), *map(enrol, others))
    report = feeds.run(feed(NORDBY, CLASS_8A, rekeyed, *people(others), enrolled, mode=mode))
    assert issues(report) == [("info", "rekeyed", "N1001", 6)]  # the third part: line 6
    assert report["counts"]["accounts"] == tally(updated=1, unchanged=9)
    assert report["counts"]["memberships"] == tally(unchanged=10)
    changes = cli.json("changes", str(report["run"]))
    assert [(c["key"], c["before"], c["after"]) for c in changes] == [
        ("N1001", {"sync_key": "1001"}, {"sync_key": "N1001"})
    ]
    expected = nordby_accounts()
    expected["N1001"] = expected.pop("1001")
    assert accounts(cli) == expected
    assert members(cli) == before


# ---------------------------------------------------------------------------------------
# 7. Full snapshots and the removal threshold
# ---------------------------------------------------------------------------------------


def test_full_snapshot_expires_a_person_it_leaves_out(feeds: Feeds, cli: Cli) -> None:
    feeds.run(world(mode="full"))
    report = feeds.run(world(without("1009"), mode="full"))  # 1 of 10: exactly 10 %, allowed
    assert (report["state"], issues(report)) == ("applied", [])
    assert report["counts"]["accounts"] == tally(expired=1, unchanged=9)
    assert report["counts"]["memberships"] == tally(removed=1, unchanged=9)
    expected = nordby_accounts()
    expected["1009"] = ("IvKr", "Ivar", "Krog", "", "Student", "expired", [])
    assert accounts(cli) == expected
    assert members(cli) == nordby_members(without("1009"))


def test_full_snapshot_removes_a_membership_it_leaves_out(feeds: Feeds, cli: Cli) -> None:
    feeds.run(world(mode="full"))
    report = feeds.run(world(ALL, without("1009"), mode="full"))  # 1009 stays, not in 8A
    assert (report["state"], issues(report)) == ("applied", [])
    assert report["counts"]["memberships"]["removed"] == 1
    assert report["counts"]["accounts"]["unchanged"] == 10
    expected = nordby_accounts()
    expected["1009"] = ("IvKr", "Ivar", "Krog", "", "Student", "active", [])
    assert accounts(cli) == expected
    assert members(cli) == nordby_members(without("1009"))


@pytest.mark.parametrize(
    ("configured", "sent", "expired"),
    [(None, None, False), ("full", None, True), ("delta", "full", True), ("full", "delta", False)],
)
def test_full_or_delta_from_the_file_else_from_the_source(
    feeds: Feeds, cli: Cli, tmp_path: Path, configured: str | None, sent: str | None, expired: bool
) -> None:
    if configured:
        configure(tmp_path, f'[sources.ims]\nmode = "{configured}"\n')
    feeds.run(world(mode=sent))
    report = feeds.run(world(without("1009"), mode=sent))
    assert report["counts"]["accounts"]["expired"] == int(expired)
    assert accounts(cli)["1009"][5] == ("expired" if expired else "active")


def test_full_snapshot_dropping_30_percent_is_held(feeds: Feeds, cli: Cli) -> None:
    feeds.run(world(mode="full"))
    before = store(cli)
    report = feeds.run(world(without("1001", "1002", "1003"), mode="full"), code=3)
    assert report["state"] == "held"
    assert report["held"] == {
        "threshold": 0.1,
        "window_hours": 24.0,
        "minimum": 2,
        "reasons": [
            {"school": "Nordby skole", "entity": e, "removing": 3, "of": 10, "window_removed": 0}
            for e in ("accounts", "memberships")
        ],
    }
    assert store(cli) == before
    assert [r["state"] for r in cli.json("runs")] == ["held", "applied"]
    assert cli.json("approve", str(report["run"]))["state"] == "applied"
    expired = sorted(key for key, account in accounts(cli).items() if account[5] == "expired")
    assert expired == ["1001", "1002", "1003"]


def drop_one(feeds: Feeds, tmp_path: Path) -> dict[str, Any]:
    """Two full snapshots of Nordby from a source with removals off, the second without 1009."""
    configure(tmp_path, "[sources.ims]\nremovals = false\n")
    feeds.run(world(mode="full"))
    return feeds.run(world(without("1009"), mode="full"))


def test_full_snapshot_drop_is_not_made_when_the_source_may_not_remove(
    feeds: Feeds, cli: Cli, tmp_path: Path
) -> None:
    report = drop_one(feeds, tmp_path)
    assert (
        counts(report, "expired") == counts(report, "removed") == dict.fromkeys(NORDBY_CREATED, 0)
    )
    assert_nordby(cli)


def test_full_snapshot_drop_is_reported_when_the_source_may_not_remove(
    feeds: Feeds, tmp_path: Path
) -> None:
    # README: "removals = false: deletions and full-snapshot drops are reported, not made".
    report = drop_one(feeds, tmp_path)
    assert issues(report) == [("info", "removals_off", "", None)]


# ---------------------------------------------------------------------------------------
# 8. Hostile input
# ---------------------------------------------------------------------------------------

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE enterprise [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<enterprise><person><sourcedid><id>1001</id></sourcedid>
<name><n><given>&lol9;</given><family>Berg</family></n></name></person></enterprise>
"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE enterprise [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<enterprise><person><sourcedid><id>1001</id></sourcedid>
<name><n><given>&xxe;</given><family>Berg</family></n></name></person></enterprise>
"""
SYSTEM_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE enterprise SYSTEM "http://127.0.0.1:9/ims_epv1p1.dtd">
<enterprise><person><sourcedid><id>1001</id></sourcedid></person></enterprise>
"""
FULL = world(mode="full")
TRUNCATED = FULL[: len(FULL) // 2]  # a full snapshot cut in half: the rest must not expire
NOT_XML = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00"
# An 11 MB attribute, over libxml2's 10 MB limit: reported as that, not as "truncated?".
HUGE_ATTRIBUTE = feed(person("1001", extra=f'<extension a="{"x" * 11_000_000}"/>'))


@pytest.mark.parametrize(
    ("data", "code", "line"),
    [
        (LAUGHS, "forbidden_dtd", None),
        (XXE, "forbidden_dtd", None),
        (SYSTEM_DTD, "forbidden_dtd", None),
        (TRUNCATED, "truncated_xml", TRUNCATED.count(b"\n") + 1),  # where the data stops
        (NOT_XML, "not_xml", 1),
        (b"", "empty_document", None),
        (HUGE_ATTRIBUTE, "xml_value_too_large", None),
    ],
    ids=[
        "billion-laughs",
        "external-entity",
        "system-dtd",
        "truncated",
        "not-xml",
        "empty",
        "huge-attribute",
    ],
)
def test_hostile_input_fails_and_leaves_the_store_alone(
    feeds: Feeds, cli: Cli, data: bytes, code: str, line: int | None
) -> None:
    feeds.run(world())
    before = store(cli)
    path = feeds.write(data)
    result = cli("import", str(path), "--format", "ims", "--json")
    assert result.code == 1
    report = result.json()
    assert report["state"] == "failed"
    assert [(i["severity"], i["code"], i["line"], i["file"]) for i in report["issues"]] == [
        ("error", code, line, path.name)
    ]
    assert "root:" not in result.out  # nothing of /etc/passwd
    assert store(cli) == before
    assert [r["state"] for r in cli.json("runs")] == ["failed", "applied"]


# ---------------------------------------------------------------------------------------
# 9. Exporter faults repaired as the file streams (issue 11 item 6, issue 10 item 8)
# ---------------------------------------------------------------------------------------

# As Datatel Colleague exports them: a bare "&" in a course title and a department name
# (three of four real exports carry one). Line 4 is the school, then one fault per line.
COLLEAGUE = feed(
    group("S1", "Nordby skole", typevalue="school"),
    group("ART-101", "Arts & Crafts", parent="S1"),
    group("HIS-200", "History &amp; Civics", parent="S1"),
    person("p1", "Ola", "Berg & Dahl"),
    membership("ART-101", member("p1", role("01"))),
)


def test_a_bare_ampersand_is_imported_with_a_warning_per_line(feeds: Feeds, cli: Cli) -> None:
    report = feeds.run(COLLEAGUE)
    assert report["state"] == "applied"
    assert issues(report) == [
        ("warning", "xml_bare_ampersand", "", 5),
        ("warning", "xml_bare_ampersand", "", 7),
    ]
    assert {key: value[0] for key, value in groups(cli).items()} == {
        "ART-101": "Arts & Crafts",
        "HIS-200": "History & Civics",
    }
    assert accounts(cli)["p1"][2] == "Berg & Dahl"


def test_repair_xml_off_fails_the_file_and_writes_nothing(
    feeds: Feeds, cli: Cli, tmp_path: Path
) -> None:
    configure(tmp_path, "[sources.ims]\nrepair_xml = false\n")
    report = feeds.run(COLLEAGUE, code=1)
    assert (report["state"], issues(report)) == ("failed", [("error", "malformed_xml", "", 5)])
    assert store(cli) == {what: [] for what in LISTS}


def test_utf_8_under_an_iso_8859_1_declaration_is_stored_as_utf_8(feeds: Feeds, cli: Cli) -> None:
    data = feed(
        NORDBY, person("4001", "Åse", "Ødegård"), membership("S1", member("4001", role("01")))
    )
    data = data.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"')
    report = feeds.run(data)
    assert issues(report) == [("warning", "encoding_mismatch", "", 5)]
    assert accounts(cli)["4001"][1:3] == ("Åse", "Ødegård")  # not "Ã…se", "Ã˜degÃ¥rd"
