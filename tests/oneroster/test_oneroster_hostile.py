"""Packages that lie about what they are: links, duplicate entries, cut zips, doubled columns."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import oneroster
from tests.oneroster.test_oneroster_package import MANIFEST, ORGS, fail, make_zip

USERS = "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,givenName,familyName\n"
USERS += "u1,,,true,s1,student,Ola,Hansen\n"

# OneRoster 1.0 (IMS Final Release, 2015) packages have no manifest.csv, and name a few
# columns as 1.1 later renamed them: users.csv userId and agents, classes.csv grade and
# termSourcedId, courses.csv schoolYearId and grade. These are the 1.0 spec's headers.
USERS_10 = (
    "sourcedId,status,dateLastModified,orgSourcedIds,role,username,userId,givenName,"
    "familyName,identifier,email,sms,phone,agents\n"
    "u1,active,2015-09-01,s1,student,ola,,Ola,Hansen,,ola@nordby.no,,,g1\n"
    "g1,active,2015-09-01,s1,parent,per,,Per,Hansen,,,,,u1\n"
)
ORGS_10 = "sourcedId,status,dateLastModified,name,type,identifier,metadata.classification,"
ORGS_10 += "metadata.gender,metadata.boarding,parentSourcedId\n"
ORGS_10 += "s1,active,2015-09-01,Nordby skole,school,,,,,\n"
SESSIONS_10 = "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId\n"
SESSIONS_10 += "t1,active,2015-09-01,Høst,term,2015-08-17,2015-12-20,\n"
CLASSES_10 = "sourcedId,status,dateLastModified,title,grade,courseSourcedId,classCode,"
CLASSES_10 += "classType,location,schoolSourcedId,termSourcedId,subjects\n"
CLASSES_10 += "k1,active,2015-09-01,Matte 8,08,,M8,scheduled,,s1,t1,Math\n"


def test_a_linked_file_refuses_the_folder(tmp_path: Path) -> None:
    # Issue 10: users.csv → /etc/passwd was followed and its first line reached the report.
    folder = tmp_path / "pkg"
    folder.mkdir()
    (folder / "manifest.csv").write_text(MANIFEST)
    (folder / "orgs.csv").write_text(ORGS)
    (folder / "users.csv").symlink_to("/etc/passwd")
    err = fail(folder)
    assert (err.code, err.file) == ("package_link", "users.csv")
    assert "root" not in err.message


def test_a_link_inside_the_folder_is_refused_too(tmp_path: Path) -> None:
    folder = tmp_path / "pkg"
    folder.mkdir()
    (folder / "manifest.csv").write_text(MANIFEST)
    (folder / "real.csv").write_text(ORGS)
    (folder / "orgs.csv").symlink_to(folder / "real.csv")
    assert fail(folder).code == "package_link"


def test_a_zip_with_two_entries_of_one_name_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.zip"
    with zipfile.ZipFile(path, "w") as zf, pytest.warns(UserWarning, match="Duplicate"):
        zf.writestr("manifest.csv", MANIFEST)
        zf.writestr("orgs.csv", ORGS)
        zf.writestr("orgs.csv", ORGS.replace("Nordby", "Sørby"))
    err = fail(path)
    assert (err.code, err.file) == ("zip_duplicate", "p.zip")
    assert "'orgs.csv' twice" in err.message


def test_a_zip_without_its_central_directory_is_called_damaged(tmp_path: Path) -> None:
    whole = make_zip(tmp_path / "whole.zip", {"manifest.csv": MANIFEST, "orgs.csv": ORGS})
    data = whole.read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: data.index(b"PK\x01\x02")])
    assert oneroster.zip_like(cut) and oneroster.sniff(cut)
    err = fail(cut)
    assert err.code == "zip_corrupt"
    assert "cut.zip is a damaged zip: its central directory" in err.message


def test_a_duplicated_column_names_both_places_and_the_one_read(
    package: Callable[..., Path], read: Callable[..., Any]
) -> None:
    users = USERS.replace("familyName\n", "familyName,givenName,userId,userIds\n")
    users = users.replace("Hansen\n", "Hansen,Kari,x1,x2\n")
    result = read(package("1.1", {"orgs.csv": ORGS, "users.csv": users}))
    [issue] = [i for i in result.issues if i.code == "duplicate_columns"]
    assert issue.message == (
        "column(s) sent twice: givenName (column 7 read, column 9 ignored), "
        "userIds (column 11 read, userId in column 10 ignored)"
    )
    assert result.person("u1").given_name == "Ola"


@pytest.mark.parametrize("as_zip", [True, False])
def test_a_10_package_without_manifest_is_oneroster_10(
    package: Callable[..., Path], read: Callable[..., Any], as_zip: bool
) -> None:
    files = {
        "orgs.csv": ORGS_10,
        "users.csv": USERS_10,
        "academicSessions.csv": SESSIONS_10,
        "classes.csv": CLASSES_10,
    }
    path = package("1.1", files, manifest=False, as_zip=as_zip)
    assert oneroster.sniff(path)
    result = read(path)
    [missing] = [i for i in result.issues if i.code == "manifest_missing"]
    assert "read as OneRoster 1.0 (agents, grade, termSourcedId, userId are 1.0" in missing.message
    assert [i for i in result.issues if i.severity == "error"] == []
    [group] = result.groups
    assert (group.key, str(group.begin), str(group.end)) == ("k1", "2015-08-17", "2015-12-20")
    assert [(link.guardian, link.student) for link in result.links] == [("g1", "u1")]


def test_a_look_alike_without_manifest_is_not_oneroster(
    package: Callable[..., Path],
) -> None:
    # School Data Sync v2 CSVs use OneRoster file names without the spec's common columns.
    users = "sourcedId,orgSourcedIds,givenName,familyName,username,role\n1,2,A,B,a,Student\n"
    assert not oneroster.sniff(package(files={"users.csv": users}, manifest=False))


def test_a_bad_byte_on_the_first_line_names_line_1(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "p.zip", {"manifest.csv": MANIFEST, "orgs.csv": b"\xff\xfe\x00"})
    err = fail(path)
    assert (err.code, err.file, err.line) == ("encoding", "orgs.csv", 1)


def test_a_deleted_enrollment_may_name_only_its_sourced_id(
    package: Callable[..., Path], read: Callable[..., Any]
) -> None:
    # OneRoster deltas delete by sourcedId; SIS exports often leave the other cells empty.
    enrollments = "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,"
    enrollments += "userSourcedId,role,primary\n"
    enrollments += "e1,tobedeleted,2026-09-01T08:00:00Z,,,,,\n"
    enrollments += "e2,active,2026-09-01T08:00:00Z,,,,,\n"
    enrollments += "e3,active,2026-09-01T08:00:00Z,k1,s1,u1,student,false\n"
    result = read(package("1.1", {"enrollments.csv": enrollments}, {"enrollments": "delta"}))
    assert [(m.key, m.person, m.group, m.deleted, m.primary) for m in result.memberships] == [
        ("e1", "", "", True, None),
        ("e3", "u1", "k1", False, False),
    ]
    assert [(i.code, i.key) for i in result.issues if i.severity == "error"] == [
        ("missing_value", "e2")
    ]
