"""A school with auto_sync off: every run skips it, whatever the feed says."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import Cli
from tests.support.packages import nordby


def test_a_paused_school_is_left_alone_by_a_full_feed_that_drops_people(
    cli: Cli, tmp_path: Path
) -> None:
    cli("source", "add", "sis", "--format", "oneroster", "--threshold", "100")
    world = nordby(4)
    assert cli.json("import", world.write(tmp_path / "one"), "--source", "sis")["state"] == (
        "applied"
    )
    before = {a["sync_key"]: a["status"] for a in cli.json("list", "accounts")}
    links = cli.json("list", "memberships")
    assert cli("settings", "Nordby skole", "--set", "auto_sync=false").code == 0
    dropped = world.without("G1", "P3").changed("P1", given="Åsa")
    report = cli.json("import", dropped.write(tmp_path / "two"), "--source", "sis")
    changed = {
        entity: {
            k: v
            for k, v in counts.items()
            if k in ("created", "updated", "expired", "removed") and v
        }
        for entity, counts in report["counts"].items()
    }
    assert changed == {entity: {} for entity in report["counts"]}, (changed, report["issues"])
    assert {a["sync_key"]: a["status"] for a in cli.json("list", "accounts")} == before
    assert cli.json("list", "memberships") == links
