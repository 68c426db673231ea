"""The hierarchy tree: parent cycles are cut at their least key, and reported."""

from __future__ import annotations

from gateway.sync.tree import Tree
from mapping.records import Org
from tests.support.snapshots import Store


def _orgs(*pairs: tuple[str, str]) -> dict[str, Org]:
    """Orgs by key, each with its parent's key."""
    return {key: Org(key, key, "school", parent=parent) for key, parent in pairs}


def test_a_cycle_is_cut_at_its_least_key_and_the_rest_hangs_below() -> None:
    tree = Tree(Store().snapshot, _orgs(("B", "C"), ("C", "A"), ("A", "B"), ("D", "B")))
    assert tree.cycles == {"A": ["A", "B", "C"]}
    assert tree.parent("A") == ""
    assert [tree.path(k) for k in "ABCD"] == ["A", "A/C/B", "A/C", "A/C/B/D"]


def test_a_tree_without_cycles_is_left_as_it_is() -> None:
    tree = Tree(Store().snapshot, _orgs(("S", ""), ("8", "S"), ("8A", "8"), ("X", "X")))
    assert tree.cycles == {}
    assert [tree.path(k) for k in ("8A", "X")] == ["S/8/8A", "X"]
