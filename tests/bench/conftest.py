"""Fixtures: the size-S world, its changed variant, and its feeds generated once per run."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.build import build
from bench.change import ChangeLog, change
from bench.generate import FeedSet, generate
from bench.sizes import SIZES
from bench.world import World

FORMATS = ["oneroster", "ims", "csv"]


@pytest.fixture(scope="session")
def world() -> World:
    """The size-S world for seed 1."""
    return build(SIZES["S"], 1)


@pytest.fixture(scope="session")
def changed(world: World) -> tuple[World, ChangeLog]:
    """The changed variant of the size-S world, and what changed."""
    return change(world)


@pytest.fixture(scope="session")
def feeds_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder the size-S feeds of seed 1 are generated into, once."""
    root = tmp_path_factory.mktemp("feeds")
    generate(SIZES["S"], 1, root, FORMATS)
    return root


@pytest.fixture(scope="session")
def feeds(feeds_root: Path) -> FeedSet:
    """The size-S feeds of seed 1 (every format)."""
    return generate(SIZES["S"], 1, feeds_root, FORMATS)
