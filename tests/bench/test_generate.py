"""Generating feeds: same seed, same bytes; the cache; the files the readers expect."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

from bench.formats import FORMATS as FORMATS_BY_NAME
from bench.generate import VARIANTS, FeedSet, generate
from bench.sizes import SIZES
from gateway.cli import bench as command
from gateway.csvfeed.columns import fields_for

FORMATS = ["oneroster", "ims", "csv"]


def _bytes(feeds: FeedSet) -> dict[str, bytes]:
    """Every file of the feeds, by format and variant."""
    return {
        f"{fmt}/{variant}": feed.paths[variant].read_bytes()
        for fmt, feed in feeds.feeds.items()
        for variant in VARIANTS
    }


def test_the_same_seed_gives_the_same_bytes(feeds: FeedSet, tmp_path: Path) -> None:
    again = generate(SIZES["S"], 1, tmp_path, FORMATS)
    assert not again.reused
    assert _bytes(again) == _bytes(feeds)
    assert again.summary == feeds.summary


def test_another_seed_gives_other_feeds(feeds: FeedSet, tmp_path: Path) -> None:
    other = generate(SIZES["S"], 2, tmp_path, FORMATS)
    mine, theirs = _bytes(feeds), _bytes(other)
    assert all(mine[name] != theirs[name] for name in mine)
    assert other.summary["memberships"] == feeds.summary["memberships"]  # same size


def test_a_second_run_reuses_the_feeds(feeds_root: Path, feeds: FeedSet) -> None:
    assert feeds.reused and feeds.seconds == 0
    assert feeds.folder.parent == feeds_root
    assert generate(SIZES["S"], 1, feeds_root, ["csv"]).feeds["csv"] == feeds.feeds["csv"]


def test_an_incomplete_folder_is_generated_again(tmp_path: Path) -> None:
    first = generate(SIZES["S"], 1, tmp_path, ["csv"])
    first.feeds["csv"].paths["changed"].unlink()
    again = generate(SIZES["S"], 1, tmp_path, ["csv"])
    assert not again.reused
    assert again.feeds["csv"].paths["changed"].is_file()


def test_rows_count_every_record_of_the_feed(feeds: FeedSet) -> None:
    s = feeds.summary
    ims = feeds.feeds["ims"].parts["base"]
    assert ims["persons"] == 1_600 and ims["links"] == s["guardian_links"]
    assert ims["members"] == s["memberships"] + 1_000  # plus everyone's place at their school
    oneroster = feeds.feeds["oneroster"].parts["base"]
    assert oneroster["enrollments"] == s["memberships"] and oneroster["users"] == 1_600
    assert feeds.feeds["csv"].rows["base"] == 1_000  # students and staff; guardians in columns


def test_every_csv_header_is_a_column_the_gateway_knows(feeds: FeedSet) -> None:
    with feeds.feeds["csv"].paths["base"].open(encoding="utf-8") as fh:
        header = next(csv.reader(fh, delimiter=";"))
    assert all(fields_for(name, {}) for name in header), header


def test_the_feeds_carry_nordic_letters_as_utf8(feeds: FeedSet) -> None:
    with zipfile.ZipFile(feeds.feeds["oneroster"].paths["base"]) as package:
        users = package.read("users.csv").decode("utf-8")
    texts = [
        users,
        feeds.feeds["ims"].paths["base"].read_text(encoding="utf-8"),
        feeds.feeds["csv"].paths["base"].read_text(encoding="utf-8"),
    ]
    for text in texts:
        assert set("åäöæø") <= set(text)


def test_the_csv_flow_never_expires_or_removes(feeds: FeedSet) -> None:
    report = feeds.feeds["csv"].expected["changed_1pct"]["report"]
    assert all(report[e]["expired"] == report[e]["removed"] == 0 for e in report)
    assert report["memberships"]["created"] > 0  # a class move adds and keeps the old one
    full = feeds.feeds["ims"].expected["changed_1pct"]["report"]
    assert full["accounts"]["expired"] > 0 and full["memberships"]["removed"] > 0


def test_nothing_changes_when_nothing_changed(feeds: FeedSet) -> None:
    for feed in feeds.feeds.values():
        unchanged = feed.expected["unchanged"]
        assert all(sum(counts.values()) == 0 for counts in unchanged["report"].values())
        assert unchanged["store"] == feed.expected["initial"]["store"]


def test_the_cli_offers_every_size_and_format() -> None:
    assert set(command.SIZES) == set(SIZES)
    assert set(command.FORMATS) == {*FORMATS_BY_NAME, "all"}
