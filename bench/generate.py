"""Generate a size's feeds (base and changed, per format) with what they should do to a store.

Everything lands in one folder per size, seed and generator version. Each
format's files are followed by ``<format>.json`` (rows written and the expected
counts of every phase), written last, so a folder that has it is complete and
a second run reuses it instead of generating again.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.build import build
from bench.change import ChangeLog, change
from bench.expect import phases
from bench.formats import FORMATS
from bench.sizes import Size
from bench.views import VIEWS
from bench.world import World

VERSION = 2  # bump when the generated files or expectations change
VARIANTS = ("base", "changed")


@dataclass(frozen=True)
class FeedFiles:
    """One format's two feeds, their rows and the expected counts of each phase."""

    format: str
    paths: dict[str, Path]  # variant → file
    rows: dict[str, int]  # variant → records in the feed
    parts: dict[str, dict[str, int]]  # variant → records by part (file or element)
    expected: dict[str, dict[str, Any]]  # phase → {"report", "store"}


@dataclass(frozen=True)
class FeedSet:
    """The feeds of one size and seed, and what the generator made."""

    folder: Path
    summary: dict[str, Any]
    feeds: dict[str, FeedFiles]
    seconds: float  # spent generating in this run (0 when everything came from the cache)
    reused: bool


def folder_for(root: Path, size: Size, seed: int) -> Path:
    """The folder a size and seed are generated into."""
    return root / f"{size.name}-seed{seed}-v{VERSION}"


def summary(world: World, changed: World, log: ChangeLog) -> dict[str, Any]:
    """What the generator made: counts by role, structure, collisions, siblings, changes."""
    roles = Counter(p.role for p in world.persons)
    pairs = Counter((p.given, p.family) for p in world.persons)
    shared = Counter(g for p in world.persons for g in p.guardians)
    return {
        "size": world.size.name,
        "seed": world.seed,
        "people": roles["student"] + roles["teacher"] + roles["principal"],
        "roles": dict(sorted(roles.items())),
        "schools": len(world.schools),
        "classes": len(world.classes),
        "teaching_groups": len(world.teaching),
        "groups": len(world.classes) + len(world.teaching),
        "memberships": world.memberships(),
        "guardian_links": world.links(),
        "colliding_name_pairs": sum(1 for n in pairs.values() if n > 1),
        "persons_sharing_a_name": sum(n for n in pairs.values() if n > 1),
        "guardians_shared_by_siblings": sum(1 for n in shared.values() if n > 1),
        "changes": log.as_dict(),
        "changed_people_share": round(log.persons / len(world.persons), 4),
        "changed_memberships_share": round(
            _membership_changes(world, changed) / world.memberships(), 4
        ),
    }


def _membership_changes(world: World, changed: World) -> int:
    """Memberships added or removed between the worlds."""

    def pairs(w: World) -> dict[str, set[tuple[str, int]]]:
        """(class or group, index) per person key."""
        return {
            p.key: {*(("c", c) for c in p.classes), *(("t", t) for t in p.groups)}
            for p in w.persons
        }

    before, after = pairs(world), pairs(changed)
    return sum(
        len(before.get(k, set()) ^ after.get(k, set())) for k in before.keys() | after.keys()
    )


def _write(fmt: str, world: World, changed: World, folder: Path) -> FeedFiles:
    """Write one format's feeds and work out its expectations."""
    spec = FORMATS[fmt]
    paths = {v: folder / f"{fmt}-{v}{spec.suffix}" for v in VARIANTS}
    parts = {v: spec.write(w, paths[v]) for v, w in zip(VARIANTS, (world, changed), strict=True)}
    feed = FeedFiles(
        fmt,
        paths,
        {v: sum(p.values()) for v, p in parts.items()},
        parts,
        phases(VIEWS[fmt], world, changed),
    )
    _save(folder / f"{fmt}.json", feed)
    return feed


def _save(path: Path, feed: FeedFiles) -> None:
    """Write a format's record atomically: its presence means the files are complete."""
    data = {**feed.__dict__, "paths": {v: p.name for v, p in feed.paths.items()}}
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    temporary.replace(path)


def _load(path: Path) -> FeedFiles | None:
    """A format's record from an earlier run, when it and its files are all there."""
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    paths = {v: path.parent / name for v, name in data["paths"].items()}
    if not all(p.is_file() for p in paths.values()):
        return None
    return FeedFiles(data["format"], paths, data["rows"], data["parts"], data["expected"])


def generate(size: Size, seed: int, root: Path, formats: list[str]) -> FeedSet:
    """The feeds of ``formats`` for a size and seed: reused when there, generated when not."""
    folder = folder_for(root, size, seed)
    folder.mkdir(parents=True, exist_ok=True)
    feeds = {fmt: found for fmt in formats if (found := _load(folder / f"{fmt}.json"))}
    summary_file = folder / "world.json"
    if len(feeds) == len(formats) and summary_file.is_file():
        data = json.loads(summary_file.read_text(encoding="utf-8"))
        return FeedSet(folder, data, feeds, 0.0, True)
    start = time.perf_counter()
    world = build(size, seed)
    changed, log = change(world)
    about = summary(world, changed, log)
    summary_file.write_text(json.dumps(about, indent=1), encoding="utf-8")
    for fmt in formats:
        if fmt not in feeds:
            feeds[fmt] = _write(fmt, world, changed, folder)
    return FeedSet(
        folder, about, {f: feeds[f] for f in formats}, time.perf_counter() - start, False
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.generate``: write a size's feeds and print what the generator made."""
    import argparse

    from bench.sizes import SIZES

    p = argparse.ArgumentParser(prog="python -m bench.generate", description=main.__doc__)
    p.add_argument("folder", type=Path, help="where the size-and-seed folder goes")
    p.add_argument("--size", choices=sorted(SIZES), default="S")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--format", choices=[*FORMATS, "all"], default="all")
    args = p.parse_args(argv)
    formats = list(FORMATS) if args.format == "all" else [args.format]
    feeds = generate(SIZES[args.size], args.seed, args.folder, formats)
    report = {
        "folder": str(feeds.folder),
        "summary": feeds.summary,
        "feeds": {
            f: {"rows": d.rows, "parts": d.parts, "expected": d.expected}
            for f, d in feeds.feeds.items()
        },
    }
    print(json.dumps(report, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
