"""The import direction of DESIGN §1, enforced."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# package → top-level packages of ours and libraries it must never import
FORBIDDEN = {
    "ims": {"gateway", "oneroster", "scheduler", "bench", "sqlalchemy", "aiohttp", "alembic"},
    "oneroster": {"gateway", "ims", "scheduler", "bench", "sqlalchemy", "alembic"},
    "mapping": {"gateway", "ims", "oneroster", "scheduler", "bench", "sqlalchemy", "aiohttp"},
    "gateway": {"scheduler", "bench"},
}
# The app factory composes the service: it alone starts the scheduler with the app.
COMPOSES = {("gateway/web/app.py", "scheduler.service")}
# readers may use only the records contract from mapping
READERS_MAY_USE = {"mapping.records"}


def imports(path: Path) -> list[tuple[int, str]]:
    """Every absolute module a file imports, with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def violations(package: str) -> list[str]:
    """Lines in a package that import against the direction."""
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for line, module in imports(path):
            top = module.split(".")[0]
            reader_uses_mapping = package in ("ims", "oneroster") and top == "mapping"
            if (str(path.relative_to(ROOT)), module) in COMPOSES:
                continue
            if top in FORBIDDEN[package] or (reader_uses_mapping and module not in READERS_MAY_USE):
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return bad


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_flow_one_way(package: str) -> None:
    assert violations(package) == []


def test_the_check_catches_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "x.py"
    bad.write_text(
        "import sqlalchemy\nfrom gateway.store import db\nfrom mapping.records import Person\n"
    )
    assert [m for _, m in imports(bad)] == ["sqlalchemy", "gateway.store", "mapping.records"]
