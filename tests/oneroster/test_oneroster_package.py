"""Zip hardening, directories versus zips, and sniffing."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import oneroster
from mapping.records import FeedError, Membership, MembershipBatch
from oneroster import reader

MANIFEST = "propertyName,value\noneroster.version,1.2\nfile.orgs,bulk\n"
ORGS = "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
ORGS += "s1,,,Nordby skole,school,,\n"


def make_zip(path: Path, members: dict[str, bytes | str], *, stored: bool = False) -> Path:
    """A zip with exactly these members (names are not cleaned up)."""
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return path


def fail(path: Path, options: oneroster.ReadOptions | None = None) -> FeedError:
    """The FeedError reading ``path`` ends with."""
    with pytest.raises(FeedError) as caught:
        list(oneroster.read(path, options or oneroster.ReadOptions(file=path.name)))
    return caught.value


@pytest.mark.parametrize(
    "name", ["../orgs.csv", "a/../../orgs.csv", "/etc/orgs.csv", "C:/orgs.csv", "..\\orgs.csv"]
)
def test_member_outside_the_root_is_path_traversal(tmp_path: Path, name: str) -> None:
    path = make_zip(tmp_path / "p.zip", {"manifest.csv": MANIFEST, name: ORGS})
    err = fail(path)
    assert (err.code, err.file) == ("zip_path_traversal", "p.zip")
    assert repr(name) in err.message


@pytest.mark.parametrize("name", ["inner.zip", "more/users.csv.gz", "x.7z"])
def test_archive_inside_the_zip_is_refused(tmp_path: Path, name: str) -> None:
    path = make_zip(tmp_path / "p.zip", {"manifest.csv": MANIFEST, "orgs.csv": ORGS, name: b"PK"})
    assert fail(path).code == "zip_nested"


def test_too_many_members(tmp_path: Path) -> None:
    members: dict[str, bytes | str] = {f"x{i}.csv": "a\n" for i in range(4)}
    path = make_zip(tmp_path / "p.zip", {"manifest.csv": MANIFEST, **members})
    err = fail(path, oneroster.ReadOptions(max_members=4))
    assert err.code == "zip_bomb" and "5 members" in err.message
    # At the limit it reads: four unknown files, and the orgs.csv the manifest lists is missing.
    assert len(list(oneroster.read(path, oneroster.ReadOptions(max_members=5)))) == 5


def test_declared_total_over_the_limit(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "p.zip", {"manifest.csv": MANIFEST, "orgs.csv": ORGS})
    err = fail(path, oneroster.ReadOptions(max_total_bytes=100))
    assert err.code == "zip_bomb" and "declares" in err.message


def test_declared_ratio_bomb(tmp_path: Path) -> None:
    zeros = ORGS + "0" * (3 * 1024 * 1024)  # inflates about a thousand times
    path = make_zip(tmp_path / "p.zip", {"manifest.csv": MANIFEST, "orgs.csv": zeros})
    err = fail(path)
    assert err.code == "zip_bomb" and "orgs.csv" in err.message and "times" in err.message


def _set_declared_size(path: Path, member: str, size: int) -> None:
    """Rewrite ``member``'s uncompressed size in the central directory (a lying header)."""
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        length = int.from_bytes(data[at + 28 : at + 30], "little")
        if data[at + 46 : at + 46 + length] == member.encode():
            data[at + 24 : at + 28] = size.to_bytes(4, "little")
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))


def test_member_larger_than_its_header_says(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "p.zip", {"manifest.csv": MANIFEST, "orgs.csv": ORGS})
    _set_declared_size(path, "orgs.csv", 20)
    err = fail(path)
    assert (err.code, err.file) == ("zip_bomb", "orgs.csv")
    assert "20 bytes" in err.message


def test_bytes_read_count_against_the_total(tmp_path: Path) -> None:
    users = "sourcedId,enabledUser,username,givenName,familyName\n" + "u,true,u,A,B\n" * 50
    path = make_zip(
        tmp_path / "p.zip",
        {"manifest.csv": MANIFEST + "file.users,bulk\n", "orgs.csv": ORGS, "users.csv": users},
    )
    _set_declared_size(path, "users.csv", 1)  # the declared total now fits the limit
    limit = len(MANIFEST) + len("file.users,bulk\n") + len(ORGS) + 200
    assert fail(path, oneroster.ReadOptions(max_total_bytes=limit)).code == "zip_bomb"


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "p.zip"
    path.write_bytes(b"sourcedId,name\nthis is no zip\n")
    err = fail(path)
    assert (err.code, err.file) == ("zip_corrupt", "p.zip")


def test_truncated_zip(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "p.zip", {"manifest.csv": MANIFEST, "orgs.csv": ORGS})
    path.write_bytes(path.read_bytes()[:-30])
    assert fail(path).code == "zip_corrupt"


def test_damaged_member(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "p.zip", {"manifest.csv": MANIFEST, "orgs.csv": ORGS}, stored=True)
    data = path.read_bytes()
    at = data.index(b"Nordby")
    path.write_bytes(data[:at] + b"Mordby" + data[at + 6 :])  # the CRC no longer matches
    err = fail(path)
    assert (err.code, err.file) == ("zip_corrupt", "orgs.csv")


def test_failure_comes_before_any_record(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "p.zip", {"manifest.csv": MANIFEST, "orgs.csv": ORGS, "x.zip": ""})
    stream = oneroster.read(path, oneroster.ReadOptions())
    with pytest.raises(FeedError):
        next(stream)


def test_missing_path(tmp_path: Path) -> None:
    assert fail(tmp_path / "nothing.zip").code == "unreadable"


def test_not_utf8_fails_the_feed(tmp_path: Path) -> None:
    latin = ORGS.replace("Nordby", "Nørdby").encode("latin-1")
    path = make_zip(tmp_path / "p.zip", {"manifest.csv": MANIFEST, "orgs.csv": latin})
    err = fail(path)
    assert (err.code, err.file) == ("encoding", "orgs.csv")


def test_zip_and_directory_read_alike(
    package: Callable[..., Path], read: Callable[..., Any]
) -> None:
    files = {"orgs.csv": ORGS, "users.csv": "sourcedId,username,givenName,familyName\nu1,a,A,B\n"}
    zipped, folder = package(files=files), package(files=files, as_zip=False)
    assert folder.is_dir() and zipped.suffix == ".zip"
    a, b = read(zipped), read(folder)
    assert (a.persons, a.orgs, a.scopes, a.codes()) == (b.persons, b.orgs, b.scopes, b.codes())


def test_package_in_one_folder(tmp_path: Path, read: Callable[..., Any]) -> None:
    path = make_zip(
        tmp_path / "p.zip",
        {"export/manifest.csv": MANIFEST, "export/orgs.csv": ORGS, "__MACOSX/._orgs.csv": "junk"},
    )
    result = read(path)
    assert [o.key for o in result.orgs] == ["s1"] and result.codes() == []


def test_files_below_the_root_are_ignored(tmp_path: Path, read: Callable[..., Any]) -> None:
    path = make_zip(
        tmp_path / "p.zip", {"manifest.csv": MANIFEST, "orgs.csv": ORGS, "old/users.csv": "x"}
    )
    assert read(path).codes() == [("warning", "unknown_file", "old/users.csv", None)]


def _large_enrollments(path: Path) -> Path:
    head = "sourcedId,classSourcedId,schoolSourcedId,userSourcedId,role\n"
    body = "".join(f"e{i},c,s,u{i},student\n" for i in range(200_000))
    manifest = "propertyName,value\noneroster.version,1.2\nfile.enrollments,bulk\n"
    return make_zip(path, {"manifest.csv": manifest, "enrollments.csv": head + body})


def test_rows_stream(tmp_path: Path) -> None:
    """Read row by row, the first membership arrives before the rest of the file is read."""
    path = _large_enrollments(tmp_path / "p.zip")
    stream = oneroster.read(path, oneroster.ReadOptions(column_bytes=1 << 62))
    first = next(stream)
    assert isinstance(first, Membership) and first.key == "e0" and first.line == 2
    del stream  # closing the generator closes the zip


def test_a_large_enrollments_file_is_one_batch(tmp_path: Path) -> None:
    """Over ``column_bytes`` (4 MiB by default) the file's plain rows come as one batch."""
    path = _large_enrollments(tmp_path / "p.zip")
    (batch,) = [r for r in oneroster.read(path) if isinstance(r, MembershipBatch)]
    assert len(batch) == 200_000 and len(batch.persons) == 200_000 and batch.groups == ["c"]
    last = batch.membership(199_999)
    assert (last.person, last.group, last.role, last.key, last.line) == (
        "u199999", "c", "student", "e199999", 200_001
    )  # fmt: skip


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("catalyst-moodle-enrol-oneroster/Test_full_data_set.zip", True),
        ("oat-oneroster-import/OneRosterv1p1BaseCSV", True),
        ("ms-sds-samples/SDS_v2", False),  # OneRoster-like, but not OneRoster
        ("oat-oneroster-import/OneRosterv1p1BaseCSV/users.csv", False),
        ("nothing-here", False),
    ],
)
def test_sniff(external: Path, where: str, expected: bool) -> None:
    assert oneroster.sniff(external / where) is expected


def test_sniff_without_manifest(tmp_path: Path) -> None:
    users = "sourcedId,enabledUser,username,givenName,familyName\n"
    assert oneroster.sniff(make_zip(tmp_path / "a.zip", {"users.csv": users}))
    assert not oneroster.sniff(make_zip(tmp_path / "b.zip", {"readme.txt": "hello"}))
    assert oneroster.sniff(make_zip(tmp_path / "c.zip", {"../manifest.csv": MANIFEST}))


def test_a_file_past_the_column_cap_streams_row_by_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file too large to hold whole is read as it streams, as small files are."""
    monkeypatch.setattr(reader, "COLUMN_MAX_BYTES", 1024 * 1024)
    path = _large_enrollments(tmp_path / "p.zip")
    first = next(oneroster.read(path))
    assert isinstance(first, Membership) and first.line == 2
