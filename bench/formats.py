"""The per-format facts of the benchmark, as data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import write_csv, write_ims, write_oneroster
from bench.world import World


@dataclass(frozen=True)
class Format:
    """How one format is written, and which extra measurements it gets."""

    name: str
    suffix: str
    # Writes a world; returns the records written by part (their sum is the feed's rows).
    write: Callable[[World, Path], dict[str, int]]
    parse_only: bool = False  # also measure the reader alone (issue 4 asks it of IMS)


FORMATS: dict[str, Format] = {
    "oneroster": Format("oneroster", ".zip", write_oneroster.write),
    "ims": Format("ims", ".xml", write_ims.write, parse_only=True),
    "csv": Format("csv", ".csv", write_csv.write),
}
