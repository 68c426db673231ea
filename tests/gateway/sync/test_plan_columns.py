"""The column-wise enrollments path plans exactly what the row path plans, quirks and all."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import oneroster
from gateway.sync.changes import Policy
from gateway.sync.desired import collect
from gateway.sync.plan import Plan, plan
from mapping.records import MembershipBatch, RowIssue
from oneroster import columnar
from tests.support.packages import CLASSES, ENROLLMENTS, ORGS, USERS
from tests.support.snapshots import TODAY, Store

USER_KEYS = [f"u{i}" for i in range(6)]
CLASS_KEYS = {"k1": "homeroom", "k2": "scheduled", "k3": "scheduled"}
SHARED = "dup"  # a sourcedId sent as it is: every row with it shares it (others get a number)
ROWS_PATH = 1 << 62  # a threshold no file reaches: every file row by row
# Raise it to hunt for divergences (ROSTERGATE_HYPOTHESIS_EXAMPLES=3000, --hypothesis-seed=N).
EXAMPLES = int(os.environ.get("ROSTERGATE_HYPOTHESIS_EXAMPLES", "150"))


def _mostly(plain: list[str], *quirks: str) -> st.SearchStrategy[str]:
    """One of ``plain`` nine times in ten, else one of ``quirks``."""
    return st.integers(0, 9).flatmap(
        lambda n: st.sampled_from(plain) if n else st.sampled_from(quirks)
    )


enrollment = st.fixed_dictionaries(
    {
        "key": _mostly(["e"], "", SHARED, "e,comma", 'e"quote', " e", "e" + "x" * 300),
        "status": _mostly([""], "tobedeleted", "active", "Active", "inactive", "retired"),
        "modified": _mostly([""], "2026-11-01T08:00:00.000Z"),
        "user": _mostly(USER_KEYS, "x9", ""),
        "class": _mostly(list(CLASS_KEYS), "k9", ""),
        "school": _mostly(["S1", ""], "S9"),
        "role": _mostly(["student", "student", "teacher", "aide"], "", "Student", "guardian"),
        "primary": _mostly([""], "true", "false"),
        "begin": _mostly([""], "2020-08-15", "2027-08-15", "15.08.2027"),
        "end": _mostly([""], "2020-01-31", TODAY.isoformat(), "2027-06-20", "31.12.2027"),
    }
)
stored = st.lists(
    st.tuples(
        st.sampled_from(USER_KEYS[:4]),
        st.sampled_from(list(CLASS_KEYS)),
        st.sampled_from(["student", "teacher"]),
        st.sampled_from(["sync", "sync", "sync", "manual"]),
        st.sampled_from([None, None, True]),
    ),
    max_size=12,
)


def _csv(header: str, rows: list[list[str]], bom: bool = False) -> str:
    out = io.StringIO()
    out.write("\ufeff" if bom else "")
    out.write(header + "\n")
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _package(
    folder: Path, rows: list[dict[str, str]], bom: bool, inner_bom: bool, newline: bool = False
) -> Path:
    """A OneRoster 1.1 bulk package with these enrollment rows (one with a BOM or a line
    break inside when told)."""
    orgs = [["S1", "", "", "Nordby skole", "school", "", ""]]
    users = [
        [u, "", "", "true", "S1", "teacher" if u == "u5" else "student", "", "", "Ola", u]
        + [""] * 8
        for u in USER_KEYS
    ]
    classes = [[k, "", "", k, "", "", "", kind, "", "S1", "", "", "", ""] for k, kind in
               CLASS_KEYS.items()]  # fmt: skip
    enrollments = [
        [f"{r['key']}{n}" if r["key"] not in ("", SHARED) else r["key"], r["status"],
         r.get("modified", ""), r["class"], r["school"], r["user"], r["role"], r["primary"],
         r.get("begin", ""), r["end"]]
        for n, r in enumerate(rows)
    ]  # fmt: skip
    if inner_bom and enrollments:
        enrollments[-1][0] = "\ufeff" + enrollments[-1][0]
    if newline and enrollments:
        enrollments[0][0] += "\nnewline"
    files = {
        "orgs": _csv(ORGS, orgs),
        "users": _csv(USERS, users),
        "classes": _csv(CLASSES, classes),
        "enrollments": _csv(ENROLLMENTS, enrollments, bom),
    }
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    manifest = ["propertyName,value", "manifest.version,1.0", "oneroster.version,1.1"]
    manifest += [f"file.{name},bulk" for name in files]
    (folder / "manifest.csv").write_text("\n".join(manifest) + "\n", encoding="utf-8")
    return folder


def _store(members: list[tuple[str, str, str, str, bool | None]]) -> Store:
    """A store holding the school, its classes, four of the users and these memberships."""
    store = Store()
    store.node("S1")
    groups = {k: store.group(k, "class" if kind == "homeroom" else "subject", "S1")
              for k, kind in CLASS_KEYS.items()}  # fmt: skip
    accounts = {u: store.account(u, "Ola", u, nodes=("S1",)) for u in USER_KEYS[:4]}
    done = set()
    for user, group, role, origin, primary in members:
        if (user, group, role) not in done:
            done.add((user, group, role))
            store.snapshot.memberships.add(
                accounts[user], groups[group], role, len(done) + 1000, origin, primary=primary
            )
    return store


def _planned(folder: Path, store: Store, column_bytes: int) -> tuple[Plan, bool]:
    """The plan of the package against the store, and whether a batch was read."""
    records = list(oneroster.read(folder, oneroster.ReadOptions(column_bytes=column_bytes)))
    the_plan = plan(collect(records), store.snapshot, Policy(today=TODAY))
    return the_plan, any(isinstance(r, MembershipBatch) for r in records)


def _shape(the_plan: Plan) -> dict[str, Any]:
    """What a plan does, with the order of rows and issues left out."""
    shape: dict[str, Any] = {"counts": the_plan.counts(), "roles": dict(the_plan.roles)}
    for entity, changes in the_plan.changes.items():
        for name in ("creates", "updates", "removals"):
            shape[f"{entity}.{name}"] = sorted(map(repr, getattr(changes, name)))
    shape["issues"] = sorted(map(repr, the_plan.issues))
    return shape


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(enrollment, max_size=60),
    members=stored,
    bom=st.booleans(),
    inner_bom=st.sampled_from([False, False, False, True]),
    newline=st.sampled_from([False, False, False, True]),
    block=st.sampled_from([columnar.BLOCK_BYTES, 64, 300, 1000]),
)
def test_columns_and_rows_plan_the_same(
    rows: list[dict[str, str]],
    members: list[Any],
    bom: bool,
    inner_bom: bool,
    newline: bool,
    block: int,
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        package = _package(Path(folder), rows, bom, inner_bom, newline)
        with mock.patch.object(columnar, "BLOCK_BYTES", block):  # rows in blocks of any size
            by_columns, _ = _planned(package, _store(members), 0)
        by_rows, _ = _planned(package, _store(members), ROWS_PATH)
    assert _shape(by_columns) == _shape(by_rows)


def test_a_clean_large_file_is_one_batch_and_plans_without_rows(tmp_path: Path) -> None:
    rows = [{"key": "e", "status": "", "user": u, "class": k, "school": "S1", "role": "student",
             "primary": "", "end": ""} for u in USER_KEYS for k in CLASS_KEYS]  # fmt: skip
    package = _package(tmp_path, rows, bom=True, inner_bom=False)
    members = [("u0", "k1", "student", "sync", None), ("u1", "k2", "student", "sync", None)]
    by_columns, batched = _planned(package, _store(members), 0)
    assert batched
    counts = by_columns.counts()["memberships"]
    assert counts == {"created": 16, "updated": 0, "expired": 0, "removed": 0,
                      "unchanged": 2, "skipped": 0}  # fmt: skip
    by_rows, batched = _planned(package, _store(members), ROWS_PATH)
    assert not batched
    assert _shape(by_columns) == _shape(by_rows)


def _row(user: str, klass: str, role: str, **cells: str) -> dict[str, str]:
    """One enrollment row at school S1, plain unless ``cells`` say otherwise."""
    row = {"key": "e", "status": "", "user": user, "class": klass, "school": "S1",
           "role": role, "primary": "", "end": ""}  # fmt: skip
    return row | cells


TOO_LONG = "e" + "x" * 300  # a key the store cannot hold: its row is skipped, the rest stay a batch


def test_a_later_plain_row_wins_over_an_earlier_deletion_beside_a_row_the_store_refuses(
    tmp_path: Path,
) -> None:
    rows = [
        _row("u0", "k1", "student", status="tobedeleted"),  # line 2: goes to the row path
        _row("u0", "k1", "student"),  # line 3: plain, in the batch; the later row wins
        _row("u1", "k1", "student", key=TOO_LONG),  # line 4: skipped, value_too_long
    ]
    package = _package(tmp_path, rows, bom=False, inner_bom=False)
    for threshold in (0, ROWS_PATH):
        the_plan, _ = _planned(package, _store([]), threshold)
        assert the_plan.counts()["memberships"]["created"] == 1
        assert [c[2:] for c in the_plan.changes["memberships"].creates] == [
            ("student", None, None, None, "sync", "e1")
        ]
        issues = sorted((i.code, i.line) for i in the_plan.issues if i.entity == "memberships")
        assert issues == [("bulk_status", 2), ("value_too_long", 4)]


def test_class_roles_are_met_in_file_order_beside_a_row_the_store_refuses(
    tmp_path: Path,
) -> None:
    rows = [
        _row("u0", "k1", "aide", primary="false"),  # line 2: goes to the row path
        _row("u0", "k2", "teacher"),  # line 3: plain, in the batch
        _row("u1", "k1", "student", key=TOO_LONG),
    ]
    package = _package(tmp_path, rows, bom=False, inner_bom=False)
    for threshold in (0, ROWS_PATH):
        the_plan, _ = _planned(package, _store([]), threshold)
        (note,) = [i.message for i in the_plan.issues if i.code == "class_role_differs"]
        assert note.endswith("(first: 'u0', Student, class roles 'aide', 'teacher')")


def test_blocks_share_one_batch_and_keep_the_lines_of_rows_with_problems(
    tmp_path: Path,
) -> None:
    rows = [{"key": f"e{n}", "status": "", "user": u, "class": k, "school": "S1",
             "role": "student", "primary": "", "end": ""}
            for n, (u, k) in enumerate((u, k) for u in USER_KEYS for k in CLASS_KEYS)]  # fmt: skip
    rows[-2]["user"] = "nobody"  # an unknown user, in the last block
    package = _package(tmp_path, rows, bom=False, inner_bom=False)
    with mock.patch.object(columnar, "BLOCK_BYTES", 100):
        records = list(oneroster.read(package, oneroster.ReadOptions(column_bytes=0)))
    batches = [r for r in records if isinstance(r, MembershipBatch)]
    assert len(batches) == 1
    assert len(batches[0]) == len(rows) - 1
    assert list(batches[0].lines) == [n + 2 for n in range(len(rows)) if n != len(rows) - 2]
    assert sorted(batches[0].persons) == sorted(USER_KEYS)
    issues = [(r.code, r.line) for r in records if isinstance(r, RowIssue) and r.line]
    assert issues == [("unresolved_reference", len(rows))]
