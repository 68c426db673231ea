"""Decide what a package holds: its version, and which files to read in which mode.

``manifest.csv`` decides both. A file the manifest marks absent (or gives no
usable mode) but that is there anyway, and a file it does not list, are
reported and not read: without a mode the reader cannot tell whether the file
is the whole truth. Without a manifest the version comes from the headers and
every file is read with mode ``unknown``: rows may carry a status, and no Scope
is declared, since nothing says the package is complete.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from mapping.records import RowIssue, Severity
from oneroster.columns import VERSIONS, FileSpec, Mode, Version, file_names
from oneroster.package import Package
from oneroster.rows import Table

MANIFEST = FileSpec("manifest", "", ("propertyName", "value"), ("propertyName",))
MODES = ("bulk", "delta", "absent")
# 1.2-only users columns and files: enough to tell a package without a manifest.
_USERS_12 = {"primaryOrgSourcedId", "preferredGivenName", "userMasterIdentifier", "pronouns"}
_FILES_12 = {"roles.csv", "userprofiles.csv"}
# 1.0 column names that 1.1 renamed (users.csv, classes.csv): a package without a manifest.
_COLUMNS_10 = {"userId", "agents", "termSourcedId", "grade"}


@dataclass
class Plan:
    """The package's version, the files to read (spec name → member, mode), and issues."""

    version: Version = "1.2"
    files: dict[str, tuple[str, Mode]] = field(default_factory=dict)
    issues: list[RowIssue] = field(default_factory=list)

    def issue(
        self, severity: Severity, code: str, message: str, file: str, line: int | None = None
    ) -> None:
        """Note a package-level issue."""
        self.issues.append(RowIssue(severity, code, message, "", "", line, file))


def _find(package: Package, plan: Plan, file: str) -> str | None:
    """The member holding spec file ``file``: exact, else in another case (with a warning)."""
    if file in package.names:
        return file
    member = next((n for n in package.names if n.casefold() == file.casefold()), None)
    if member is not None:
        plan.issue(
            "warning", "file_name_case", f"{member} should be named {file}; read as {file}", member
        )
    return member


def _read_manifest(
    package: Package, member: str
) -> tuple[list[RowIssue], dict[str, tuple[str, int]]]:
    """The manifest's issues and its properties (name → value, line)."""
    with package.open_text(member) as stream:
        table = Table(stream, member, MANIFEST, "unknown", package.max_line_bytes)
        properties = (
            {}
            if table.header.failed
            else {row.text("propertyName"): (row.text("value"), row.line) for row in table.rows()}
        )
        return [*table.drain(), *table.summaries()], properties


def _version(value: str) -> Version | None:
    """The binding a ``oneroster.version`` value names; 1.2.1 is a correction of 1.2."""
    return next((v for v in VERSIONS if value == v or value.startswith(v + ".")), None)


def _header(package: Package, file: str) -> set[str]:
    """The column names of a member's first line (none when the package lacks it)."""
    member = next((n for n in package.names if n.casefold() == file), None)
    if member is None:
        return set()
    with package.open_text(member) as stream:
        line = stream.readline(64 * 1024).lstrip("\ufeff")
    return {c.strip() for c in line.replace(";", ",").split(",")}


def _detect(package: Package) -> tuple[Version, str, str]:
    """Tell the version from file names and headers: (binding, version to report, how)."""
    names = {n.casefold() for n in package.names}
    if names & _FILES_12:
        return "1.2", "1.2", "roles.csv or userProfiles.csv is present"
    columns = _header(package, "users.csv")
    old = sorted((columns | _header(package, "classes.csv")) & _COLUMNS_10)
    if old:
        return "1.1", "1.0", f"{', '.join(old)} are 1.0 columns; read with the 1.1 binding"
    if columns & {"role", "orgSourcedIds"}:
        return "1.1", "1.1", "users.csv has role and orgSourcedIds columns"
    if columns & _USERS_12:
        return "1.2", "1.2", "users.csv has 1.2 columns"
    return "1.2", "1.2", "nothing tells 1.1 from 1.2"


def plan(package: Package) -> Plan:
    """Read the manifest (or guess without it) and pair each spec file with its member."""
    result = Plan()
    manifest = _find(package, result, "manifest.csv")
    properties: dict[str, tuple[str, int]] = {}
    if manifest is not None:
        issues, properties = _read_manifest(package, manifest)
        result.issues.extend(issues)
    raw, line = properties.get("oneroster.version", ("", None))
    version = _version(raw)
    if version is None:
        version, shown, how = _detect(package)
        if properties:
            code, what = "manifest_version", f"oneroster.version is {raw!r}"
        else:
            code, what = "manifest_missing", "no usable manifest.csv, so no file is known complete"
        result.issue(
            "warning",
            code,
            f"{what}: read as OneRoster {shown} ({how})",
            manifest or "manifest.csv",
            line,
        )
    result.version = version
    modes = _modes(result, properties) if properties else None
    _pair(package, result, modes, {manifest})
    return result


def _modes(plan: Plan, properties: dict[str, tuple[str, int]]) -> dict[str, Mode | None]:
    """Each ``file.<name>`` of the manifest by spec name: bulk, delta or None (absent)."""
    names = {n.casefold(): n for n in file_names(plan.version)}
    modes: dict[str, Mode | None] = {}
    for prop, (value, line) in properties.items():
        if not prop.startswith("file."):
            continue
        name = names.get(prop.removeprefix("file.").casefold())
        mode = value.casefold()
        if mode not in MODES:
            plan.issue(
                "warning",
                "manifest_mode",
                f"{prop} has mode {value!r}, not bulk, delta or absent; read as absent",
                "manifest.csv",
                line,
            )
        if name is None:
            if mode in ("bulk", "delta"):
                plan.issue(
                    "warning",
                    "manifest_entry",
                    f"{prop} is no OneRoster {plan.version} file; ignored",
                    "manifest.csv",
                    line,
                )
            continue
        modes[name] = cast(Mode, mode) if mode in ("bulk", "delta") else None
    return modes


def _pair(
    package: Package, plan: Plan, modes: dict[str, Mode | None] | None, used: set[str | None]
) -> None:
    """Pair spec files with members and modes; report the members left over."""
    for name in file_names(plan.version):
        member = _find(package, plan, f"{name}.csv")
        used.add(member)
        mode: Mode | None = "unknown" if modes is None else modes.get(name)
        if member is None:
            if mode in ("bulk", "delta"):
                plan.issue(
                    "warning",
                    "file_missing",
                    f"the manifest lists {name}.csv as {mode} but the package has no such file",
                    f"{name}.csv",
                )
        elif mode is not None:
            plan.files[name] = (member, mode)
        elif modes is not None and name in modes:
            plan.issue(
                "warning",
                "file_marked_absent",
                f"the manifest marks {name}.csv absent but the package has it; not read",
                member,
            )
        else:
            plan.issue(
                "warning",
                "file_not_listed",
                f"{member} is not listed in the manifest; not read",
                member,
            )
    for member in package.names:
        if member not in used:
            plan.issue(
                "warning",
                "unknown_file",
                f"{member} is no OneRoster {plan.version} file; ignored",
                member,
            )
    for member in package.outside:
        plan.issue(
            "warning", "unknown_file", f"{member} is not at the package root; ignored", member
        )
