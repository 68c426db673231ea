"""The fast row functions read exactly what the careful path reads, quirks and all."""

from __future__ import annotations

import csv
import dataclasses
import io
import random
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

import oneroster
from mapping.records import FeedError, Membership, Person
from oneroster import fast, reader
from oneroster.rows import Table

COMMON = "sourcedId status dateLastModified "
HEADERS = {
    "orgs": COMMON + "name type identifier parentSourcedId",
    "academicSessions": COMMON + "title type startDate endDate parentSourcedId schoolYear",
    "courses": COMMON + "schoolYearSourcedId title courseCode grades orgSourcedId subjects",
    "classes": COMMON + "title grades courseSourcedId classType schoolSourcedId termSourcedIds",
    "users-1.1": COMMON + "enabledUser orgSourcedIds role username givenName familyName "
    "email agentSourcedIds grades",
    "users-1.2": COMMON + "enabledUser username givenName familyName email agentSourcedIds "
    "primaryOrgSourcedId preferredGivenName",
    "roles": COMMON + "userSourcedId roleType role beginDate endDate orgSourcedId",
    "enrollments": COMMON + "classSourcedId schoolSourcedId userSourcedId role primary "
    "beginDate endDate",
}


Keyed = tuple[str, dict[str, str]]  # a row's key, and the values it must have


class Quirky:
    """Random OneRoster packages in which ``rate`` of the cells are quirks of some kind."""

    def __init__(self, seed: int, rate: float) -> None:
        self.random, self.rate = random.Random(seed), rate
        self.users = [f"u{i}" for i in range(self.random.randint(0, 30))]

    def pick(self, clean: str, *quirks: str) -> str:
        """``clean``, or now and then one of ``quirks``."""
        return self.random.choice(quirks) if self.random.random() < self.rate else clean

    def ref(self, keys: list[str], unknown: str) -> str:
        """A reference: to one of ``keys`` mostly, now and then to none or to nothing."""
        return self.pick(self.random.choice(keys) if keys else unknown, unknown, "", f" {unknown}")

    def common(self, key: str, mode: str) -> dict[str, str]:
        """sourcedId, status and dateLastModified of a row in a file of ``mode``."""
        stamp = "2024-09-01T10:00:00Z" if mode == "delta" else ""
        return {
            "sourcedId": self.pick(key, "", f" {key} "),
            "status": self.pick(
                "active" if mode == "delta" else "",
                "tobedeleted",
                "inactive",
                "Active",
                "removed",
                " active",
                "active",
            ),
            "dateLastModified": self.pick(stamp, "2024-09-01", "yesterday", "", stamp),
        }

    def values(self, name: str, key: str, mode: str) -> dict[str, str]:
        """One row of file ``name``, by column."""
        pick, users = self.pick, self.users
        date = pick("2026-08-17", "", "17.08.2026", "2026-08-17T08:00:00", "20260817")
        row = {
            **self.common(key, mode),
            "name": "Nordby skole",
            "type": pick("school", "School", "campus", "district"),
            "title": "Matte",
            "startDate": date,
            "orgSourcedId": self.ref(["s1", "s2"], "s9"),
            "schoolYearSourcedId": pick("t1", "t9"),
            "classType": pick(self.random.choice(["homeroom", "scheduled"]), "Homeroom", "lab"),
            "grades": pick("05", "05,06", ""),
            "courseSourcedId": pick("c1", "c9", ""),
            "schoolSourcedId": self.ref(["s1", "s2"], "s9"),
            "termSourcedIds": pick("t1", "t1,t9"),
            "enabledUser": pick("true", "false", "", "TRUE", "yes"),
            "orgSourcedIds": pick("s1", "s1,s2", "", "s9", " s2 "),
            "role": pick(
                self.random.choice(["student", "teacher", "guardian", "parent"]),
                "Student",
                "02",
                "",
                "teacher ",
            ),
            "username": pick(key, "", " x "),
            "givenName": pick("Ola", "", " Kari Anne ", "A\nB"),
            "familyName": "Nordmann",
            "email": pick("", "ola@nordby.no"),
            "agentSourcedIds": pick(
                "",
                *(self.random.sample(users, min(len(users), 2)) or [""]),
                ",".join(users[:2]),
                "u1, x9",
            ),
            "primaryOrgSourcedId": self.ref(["s1", "s2"], "s9"),
            "userSourcedId": self.ref(users, "x9"),  # roles.csv names its own user
            "roleType": pick("primary", "secondary", "Primary", "main", ""),
            "classSourcedId": self.ref(["k1", "k2", "k3"], "k9"),
            "primary": pick("", "true", "false", "False", "1"),
            "beginDate": date,
            "endDate": pick("", "2027-06-18", "2027-13-01", "2025-06-20"),
        }
        return row

    def cells(self, columns: list[str], values: dict[str, str]) -> list[str]:
        """A row's cells, now and then padded, cut short, spaced out or left empty."""
        cells = [values.get(c, "") for c in columns]
        cells = [self.pick(c, f" {c}", f"{c}\t") for c in cells]
        extra = self.pick("none", "", "x", "cut", "blank")
        if extra == "cut":
            return cells[:-1]
        if extra == "blank":
            return []
        return cells if extra == "none" else [*cells, extra]

    def text(self, name: str, rows: list[Keyed], mode: str) -> str:
        """One CSV file: its header (now and then shuffled or short of a column) and rows."""
        columns = HEADERS[name].split()
        if self.random.random() < self.rate:
            self.random.shuffle(columns)
        if self.random.random() < self.rate:
            columns.remove(self.random.choice(columns[3:]))
        out = io.StringIO()
        writer = csv.writer(out, lineterminator=self.random.choice(["\n", "\r\n"]))
        writer.writerow(columns)
        for key, fixed in rows:
            values = {**self.values(name.split("-")[0], key, mode), **fixed}
            writer.writerow(self.cells(columns, values))
        return out.getvalue()

    def package(self, path: Path, version: str) -> Path:
        """A zip package of ``version``: its files in bulk or delta, with a manifest."""
        files: dict[str, list[Keyed]] = {
            "orgs": [("s1", {}), ("s2", {})],
            "academicSessions": [("t1", {})],
            "courses": [("c1", {})],
            "classes": [("k1", {}), ("k2", {}), ("k3", {})],
            f"users-{version}": [(u, {}) for u in self.users],
            "enrollments": [(f"e{i}", {}) for i in range(self.random.randint(0, 60))],
        }
        if version == "1.2":  # some users hold no role, some two, one is no user at all
            files["roles"] = [
                (f"r{u}-{n}", {"userSourcedId": self.pick(u, "x9", "", f" {u}")})
                for u in [*self.users, "x9"]
                for n in range(self.random.choice([1, 1, 1, 0, 2]) if self.rate else 1)
            ]
        modes = {name: self.random.choice(["bulk", "bulk", "delta"]) for name in files}
        manifest = ["propertyName,value", f"oneroster.version,{version}"]
        manifest += [f"file.{name.split('-')[0]},{mode}" for name, mode in modes.items()]
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("manifest.csv", "\n".join(manifest) + "\n")
            for name, rows in files.items():
                zf.writestr(f"{name.split('-')[0]}.csv", self.text(name, rows, modes[name]))
        return path


def read_all(path: Path) -> list[object]:
    """Everything ``read`` yields, or the FeedError it ends with."""
    try:
        return list(oneroster.read(path))
    except FeedError as err:
        return [("FeedError", err.code, err.file, err.line, err.message)]


def read_carefully(path: Path, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The same, with every row on the careful path."""
    with monkeypatch.context() as patch:
        careful = {n: (b, fast.careful, f) for n, (b, _, f) in reader.HANDLERS.items()}
        patch.setattr(reader, "HANDLERS", careful)
        return read_all(path)


@pytest.mark.parametrize("version", ["1.1", "1.2"])
@pytest.mark.parametrize("rate", [0.0, 0.05, 0.3, 0.7])
@pytest.mark.parametrize("seed", range(12))
def test_fast_and_careful_paths_read_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, rate: float, version: str
) -> None:
    path = Quirky(seed, rate).package(tmp_path / "p.zip", version)
    assert read_all(path) == read_carefully(path, monkeypatch)


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_vocabularies_that_start_over_read_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str
) -> None:
    monkeypatch.setattr(fast, "LIMIT", 1)
    for seed in range(6):
        path = Quirky(seed, 0.05).package(tmp_path / f"p{seed}.zip", version)
        assert read_all(path) == read_carefully(path, monkeypatch)


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_clean_rows_take_the_fast_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str
) -> None:
    careful: list[str] = []
    row = Table.row

    def counted(table: Table, cells: list[str], line: int) -> object:
        careful.append(table.file)
        return row(table, cells, line)

    monkeypatch.setattr(Table, "row", counted)
    items = read_all(Quirky(1, 0.0).package(tmp_path / "p.zip", version))
    assert any(isinstance(i, Membership) for i in items)
    assert any(isinstance(i, Person) for i in items)
    assert {"users.csv", "roles.csv", "enrollments.csv"}.isdisjoint(careful)


@pytest.mark.parametrize(
    ("record", "names"),
    [
        (Membership, "person group role deleted primary begin end key source line file"),
        (Person, "key given_name family_name username email roles orgs enabled deleted "
                 "old_key source line file password"),
    ],
)  # fmt: skip
def test_records_are_built_in_field_order(record: Callable[..., object], names: str) -> None:
    # The fast path passes every field positionally, in this order.
    assert [f.name for f in dataclasses.fields(record)] == names.split()  # type: ignore[arg-type]
