"""Fixtures for the OneRoster reader: inline packages, and a reader that collects by type."""

from __future__ import annotations

import itertools
import textwrap
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import oneroster
from mapping.records import Group, GuardianLink, Membership, Org, Person, RowIssue, Scope
from tests.support.fixtures import EXTERNAL as FIXTURES

EXTERNAL = FIXTURES / "oneroster"

FILES = {
    "1.1": "academicSessions categories classes classResources courses courseResources "
    "demographics enrollments lineItems orgs resources results users",
    "1.2": "academicSessions categories classes classResources courses courseResources "
    "demographics enrollments lineItemLearningObjectiveIds lineItems lineItemScoreScales orgs "
    "resources resultLearningObjectiveIds results resultScoreScales roles scoreScales "
    "userProfiles userResources users",
}


@dataclass
class Read:
    """Everything one read yielded, sorted by type."""

    persons: list[Person] = field(default_factory=list)
    orgs: list[Org] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    links: list[GuardianLink] = field(default_factory=list)
    scopes: list[str] = field(default_factory=list)
    issues: list[RowIssue] = field(default_factory=list)

    def codes(self) -> list[tuple[str, str, str, int | None]]:
        """The issues as (severity, code, file, line), sorted."""
        return sorted(
            (i.severity, i.code, i.file, i.line) for i in self.issues
        )  # sorted: order within a file is not part of the contract

    def person(self, key: str) -> Person:
        """The person with ``key``."""
        return next(p for p in self.persons if p.key == key)


def collect(path: Path, options: oneroster.ReadOptions | None = None) -> Read:
    """Read a package to the end."""
    result = Read()
    for item in oneroster.read(path, options or oneroster.ReadOptions(file=path.name)):
        match item:
            case Person():
                result.persons.append(item)
            case Org():
                result.orgs.append(item)
            case Group():
                result.groups.append(item)
            case Membership():
                result.memberships.append(item)
            case GuardianLink():
                result.links.append(item)
            case Scope():
                result.scopes.append(item.entity)
            case RowIssue():
                result.issues.append(item)
    return result


@pytest.fixture
def read() -> Callable[..., Read]:
    """Read a package to the end, sorted by record type."""
    return collect


@pytest.fixture
def external() -> Path:
    """The folder of the public OneRoster fixtures (outside the repo, never copied in)."""
    return EXTERNAL


def manifest_text(version: str, files: Mapping[str, str], modes: Mapping[str, str | None]) -> str:
    """A manifest listing every file of the version: present ones bulk unless told."""
    lines = ["propertyName,value", "manifest.version,1.0", f"oneroster.version,{version}"]
    for name in FILES[version].split():
        mode = modes.get(name, "bulk" if f"{name}.csv" in files else "absent")
        if mode is not None:
            lines.append(f"file.{name},{mode}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def package(tmp_path: Path) -> Callable[..., Path]:
    """Build a package in tmp_path: ``files`` (name → CSV text), ``modes`` (name → mode)."""
    count = itertools.count()

    def build(
        version: str = "1.2",
        files: Mapping[str, str] | None = None,
        modes: Mapping[str, str | None] | None = None,
        *,
        manifest: bool = True,
        as_zip: bool = True,
    ) -> Path:
        contents = {n: textwrap.dedent(t).lstrip("\n") for n, t in (files or {}).items()}
        if manifest:
            contents["manifest.csv"] = manifest_text(version, contents, modes or {})
        root = tmp_path / f"package{next(count)}"
        if as_zip:
            path = root.with_suffix(".zip")
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
                for name, text in contents.items():
                    zf.writestr(name, text)
            return path
        root.mkdir()
        for name, text in contents.items():
            (root / name).write_text(text, encoding="utf-8", newline="")
        return root

    return build
