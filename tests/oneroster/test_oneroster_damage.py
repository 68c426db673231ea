"""Damaged files cost the damaged rows, never the rows after them, and are named by their line."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mapping.records import FeedError
from tests.oneroster.conftest import collect as collect_with
from tests.oneroster.test_oneroster_fast import read_all, read_carefully

USERS = (
    "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,givenName,"
    "familyName,email\n"
)
ORGS = "sourcedId,status,dateLastModified,name,type\ns1,,,Nordby skole,school\n"
ENROLLMENTS = (
    "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role\n"
)
CLASSES = "sourcedId,status,dateLastModified,title,classType,schoolSourcedId\nk1,,,8A,homeroom,s1\n"


def _users(count: int, damaged: dict[int, str] | None = None) -> str:
    """users.csv with u1..u<count>; ``damaged`` replaces the given name of some rows, raw."""
    rows = [
        f"u{n},,,true,s1,student,u{n},{(damaged or {}).get(n, f'Given{n}')},Family{n},u{n}@x.no\n"
        for n in range(1, count + 1)
    ]
    return USERS + "".join(rows)


def _enrollments(count: int) -> str:
    return ENROLLMENTS + "".join(f"e{n},,,k1,s1,u{n},student\n" for n in range(1, count + 1))


def _files(users: str, count: int) -> dict[str, str]:
    return {
        "orgs.csv": ORGS,
        "users.csv": users,
        "classes.csv": CLASSES,
        "enrollments.csv": _enrollments(count),
    }


# The size-M report of issue 10: `E8000,…,"Kari,…` swallowed the next lines into one given name.
@pytest.mark.parametrize(
    "stray",
    [
        '"Kari',  # never closed: the csv module reads to the end of the file
        '"Kari ',  # closed by the quote of a later row
    ],
)
def test_stray_quote_costs_one_row(
    package: Callable[..., Path], read: Callable[..., Any], stray: str
) -> None:
    users = _users(8, {3: stray})
    if stray.endswith(" "):
        users = users.replace("Given7", '"Given7"')
    path = package("1.1", _files(users, 8), as_zip=False)
    result = read(path)
    errors = [
        (i.severity, i.code, i.entity, i.key, i.line)
        for i in result.issues
        if i.severity == "error"
    ]
    assert errors == [("error", "quote_spans_rows", "accounts", "u3", 4)]
    assert "line 4" in next(i.message for i in result.issues if i.code == "quote_spans_rows")
    assert [p.key for p in result.persons] == ["u1", "u2", "u4", "u5", "u6", "u7", "u8"]
    assert {p.given_name for p in result.persons} == {f"Given{n}" for n in (1, 2, 4, 5, 6, 7, 8)}
    assert [p.line for p in result.persons] == [2, 3, 5, 6, 7, 8, 9]
    assert [i.code for i in result.issues if i.code == "row_length"] == []
    # u3's enrollment is kept: its user was damaged, not missing, so the store decides.
    assert sorted(m.person for m in result.memberships) == [f"u{n}" for n in range(1, 9)]


def test_stray_quote_in_enrollments_is_a_membership_error(
    package: Callable[..., Path], read: Callable[..., Any]
) -> None:
    enrollments = _enrollments(5).replace("e2,,,k1,s1,u2,student", 'e2,,,k1,s1,"u2,student')
    result = read(package("1.1", {**_files(_users(5), 5), "enrollments.csv": enrollments}))
    errors = [(i.code, i.entity, i.key, i.line) for i in result.issues if i.severity == "error"]
    assert errors == [("quote_spans_rows", "memberships", "e2", 3)]
    assert sorted(m.person for m in result.memberships) == ["u1", "u3", "u4", "u5"]


def test_fast_and_careful_paths_agree_on_damage(
    package: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = package("1.1", _files(_users(30, {3: '"Kari', 20: '"Ola'}), 30))
    items = read_all(path)
    assert items == read_carefully(path, monkeypatch)
    assert sum(getattr(i, "code", "") == "quote_spans_rows" for i in items) == 2


def test_a_quoted_field_over_lines_is_kept(
    package: Callable[..., Path], read: Callable[..., Any]
) -> None:
    users = _users(3, {2: '"Anne\nMarie"'})
    result = read(package("1.1", _files(users, 3)))
    assert [i for i in result.issues if i.severity == "error"] == []
    assert result.person("u2").given_name == "Anne\nMarie"
    assert result.person("u3").line == 5


def test_a_quoted_field_holding_rows_is_damage(
    package: Callable[..., Path], read: Callable[..., Any]
) -> None:
    # The column count comes out right, but the field holds two lines that look like rows.
    users = _users(5, {2: '"Ada', 4: 'Given4"'})
    result = read(package("1.1", _files(users, 5)))
    errors = [(i.code, i.line) for i in result.issues if i.severity == "error"]
    assert errors == [("quote_spans_rows", 3)]
    assert [p.key for p in result.persons] == ["u1", "u3", "u4", "u5"]
    assert result.person("u4").given_name == 'Given4"'


def test_bad_byte_is_reported_on_its_line(tmp_path: Path, package: Callable[..., Path]) -> None:
    path = package("1.1", _files(_users(3), 3), as_zip=False)
    users = (path / "users.csv").read_bytes().replace(b"Given3", b"Giv\xe9n3")
    (path / "users.csv").write_bytes(users)
    with pytest.raises(FeedError) as caught:
        list(__import__("oneroster").read(path))
    assert (caught.value.code, caught.value.file, caught.value.line) == ("encoding", "users.csv", 4)
    assert "0xe9" in caught.value.message


def test_bom_inside_a_file_is_dropped(
    package: Callable[..., Path], read: Callable[..., Any]
) -> None:
    users = (
        _users(2)
        + "\ufeff"
        + _users(4).splitlines(keepends=True)[3]
        + "\ufeffu9,,,true,s1,student,u9,G,F,\n"
    )
    result = read(package("1.1", _files(users, 0)))
    assert [p.key for p in result.persons] == ["u1", "u2", "u3", "u9"]
    bom = [(i.severity, i.code, i.line) for i in result.issues if "bom" in i.code]
    assert bom == [("warning", "bom_inside", 4)]
    assert "2 byte order mark(s)" in next(
        i.message for i in result.issues if i.code == "bom_inside"
    )


def test_line_over_the_limit_fails_the_feed_at_its_line(package: Callable[..., Path]) -> None:
    import oneroster

    users = _users(3, {2: "x" * 5000})
    path = package("1.1", _files(users, 3))
    with pytest.raises(FeedError) as caught:
        list(oneroster.read(path, oneroster.ReadOptions(max_line_bytes=4096)))
    assert (caught.value.code, caught.value.file, caught.value.line) == (
        "line_too_long",
        "users.csv",
        3,
    )
    assert "4096" in caught.value.message
    assert len(read_all(path)) > 3  # the default limit reads it


_WRITE = """
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as zf:
    zf.writestr("manifest.csv", "propertyName,value\\noneroster.version,1.1\\nfile.users,bulk\\n")
    with zf.open("users.csv", "w", force_zip64=True) as out:
        out.write(b"sourcedId,role,orgSourcedIds,givenName,familyName\\nu1,student,s1,")
        chunk = b"abcdefghij" * 100_000
        for _ in range(int(sys.argv[2])):
            out.write(chunk)
        out.write(b",F\\n")
"""
_READ = """
import sys
from pathlib import Path
import oneroster
from mapping.records import FeedError
options = oneroster.ReadOptions(max_ratio=1_000_000, max_total_bytes=1 << 40)
try:
    list(oneroster.read(Path(sys.argv[1]), options))
except FeedError as err:
    print(err.code, err.line)
"""
# Run from a small process: a child's ru_maxrss starts from its parent's (pytest's) size.
_MEASURE = """
import resource, subprocess, sys
python, write, read, path, megabytes = sys.argv[1:]
subprocess.run([python, "-c", write, path, megabytes], check=True)
subprocess.run([python, "-c", read, path], check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def test_a_huge_line_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    # Issue 10: a 28 MB zip holding one 1.9 GB line took 4 GB. Here 600 MB in one line.
    import subprocess
    import sys

    python, path = sys.executable, str(tmp_path / "huge.zip")
    done = subprocess.run(
        [python, "-c", _MEASURE, python, _WRITE, _READ, path, "600"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
    )
    outcome, peak = done.stdout.splitlines()
    assert outcome == "line_too_long 2"
    assert int(peak) < 300 * 1024, peak  # ru_maxrss is in KiB on Linux


@pytest.mark.parametrize("limit", [4096, 1024 * 1024])
def test_a_quote_in_the_header_fails_only_its_file(
    package: Callable[..., Path], read: Callable[..., Any], limit: int
) -> None:
    import oneroster

    users = USERS.replace("givenName", '"givenName') + "".join(_users(200).splitlines(True)[1:])
    path = package("1.1", _files(users, 3))
    result = collect_with(path, oneroster.ReadOptions(max_line_bytes=limit))
    assert [(i.code, i.file, i.line) for i in result.issues if i.severity == "error"] == [
        ("header_spans_lines", "users.csv", 1)
    ]
    assert result.persons == [] and [o.key for o in result.orgs] == ["s1", "k1"]
