"""OneRoster REST JSON → the CSV binding's rows, written as a package the CSV reader reads.

The REST and CSV bindings carry the same fields under a few other names: a
reference is a GUIDRef object (``{"sourcedId": …}``) where the CSV has a
``…SourcedId`` column, lists are JSON arrays, booleans JSON booleans (or, from
some 1.1 providers, strings), 1.2 names ``preferredFirstName`` what the CSV
names ``preferredGivenName``, and 1.2 roles sit inside the user instead of in
roles.csv. Turning objects into rows lets the CSV reader's row → record logic
serve both bindings unchanged.

A full pull is written as bulk files: rows leave status and dateLastModified
blank, as the binding asks, and records the provider marks ``tobedeleted`` are
left out (absence from a complete collection says the same). A delta pull is
written as delta files with both columns filled.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from oneroster.columns import READ, FileSpec, Mode, Version

# CSV column → the JSON field holding the GUIDRef (or list of them) it stands for.
REFERENCES = {
    "parentSourcedId": "parent",
    "schoolYearSourcedId": "schoolYear",
    "orgSourcedId": "org",
    "orgSourcedIds": "orgs",
    "courseSourcedId": "course",
    "schoolSourcedId": "school",
    "termSourcedIds": "terms",
    "agentSourcedIds": "agents",
    "primaryOrgSourcedId": "primaryOrg",
    "classSourcedId": "class",
    "userSourcedId": "user",
    "userProfileSourcedId": "userProfile",
}
# CSV column → JSON names tried in turn (1.2 JSON and CSV disagree on preferred names).
RENAMED = {
    "preferredGivenName": ("preferredFirstName", "preferredGivenName"),
    "preferredFamilyName": ("preferredLastName", "preferredFamilyName"),
}
# Never written to disk: the gateway has no use for them (see reference pain point 7).
PRIVATE = frozenset({"password", "sms", "phone"})
_STATUS = frozenset({"status", "dateLastModified"})


def cell(value: Any) -> str:
    """One JSON value as a CSV cell: references by sourcedId, lists comma-joined."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        if "sourcedId" in value:
            return cell(value["sourcedId"])
        if "type" in value and "identifier" in value:  # a userIds item
            return f"{{{cell(value['type'])}:{cell(value['identifier'])}}}"
        return ""
    if isinstance(value, list):
        return ",".join(c for c in (cell(v) for v in value) if c)
    # One physical line per row, and no NUL, which the csv module refuses.
    return " ".join(str(value).replace("\x00", "").splitlines()).strip()


def _field(record: Mapping[str, Any], column: str) -> Any:
    """The JSON value behind a CSV column."""
    for name in RENAMED.get(column, (REFERENCES.get(column, column),)):
        if name in record:
            return record[name]
    return None


def row(spec: FileSpec, record: Mapping[str, Any], mode: Mode) -> list[str]:
    """A JSON object as a row of ``spec``'s columns."""
    return [
        ""
        if column in PRIVATE or (mode == "bulk" and column in _STATUS)
        else cell(_field(record, column))
        for column in spec.columns
    ]


def role_rows(spec: FileSpec, user: Mapping[str, Any], mode: Mode) -> Iterator[list[str]]:
    """A 1.2 user's ``roles`` as roles.csv rows, keyed by the user's key and position."""
    roles = user.get("roles")
    for n, role in enumerate(roles if isinstance(roles, list) else [], 1):
        if isinstance(role, dict):
            fields = {
                **role,
                "sourcedId": f"{cell(user.get('sourcedId'))}/roles/{n}",
                "status": user.get("status"),
                "dateLastModified": user.get("dateLastModified"),
                "user": user.get("sourcedId"),
            }
            yield row(spec, fields, mode)


class Writer:
    """The files of one pulled package, written as pages arrive."""

    def __init__(self, folder: Path, version: Version, mode: Mode) -> None:
        self.folder, self.version, self.mode = folder, version, mode
        self.specs = {spec.name: spec for spec in READ[version]}
        self._files: dict[str, tuple[IO[str], Any]] = {}
        self.dropped: dict[str, int] = {}  # collection → tobedeleted records left out

    def _writer(self, name: str) -> Any:
        """The csv writer of file ``name``, opened with its header on first use."""
        if name not in self._files:
            stream = (self.folder / f"{name}.csv").open("w", encoding="utf-8", newline="")
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow(self.specs[name].columns)
            self._files[name] = (stream, writer)
        return self._files[name][1]

    def add(self, name: str, records: list[dict[str, Any]]) -> None:
        """Write one page of collection ``name``."""
        rows = self._writer(name)
        roles = self._writer("roles") if name == "users" and self.version == "1.2" else None
        for record in records:
            if self.mode == "bulk" and str(record.get("status", "")).casefold() == "tobedeleted":
                self.dropped[name] = self.dropped.get(name, 0) + 1
                continue
            rows.writerow(row(self.specs[name], record, self.mode))
            if roles is not None:
                roles.writerows(role_rows(self.specs["roles"], record, self.mode))

    def close(self) -> None:
        """Close every file."""
        for stream, _ in self._files.values():
            stream.close()

    def finish(self) -> None:
        """Write the manifest that names every file in this mode: the package is complete."""
        lines = ["propertyName,value", "manifest.version,1.0", f"oneroster.version,{self.version}"]
        lines += [f"file.{name},{self.mode}" for name in self._files]
        (self.folder / "manifest.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
