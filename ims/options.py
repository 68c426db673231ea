"""How the caller wants one IMS Enterprise document read."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Mode = Literal["delta", "full"]


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """Options for :func:`ims.read`.

    ``default_mode`` applies when the file has no ``properties/type``. With
    ``target`` set, a file whose ``properties/target`` list lacks it is skipped.
    ``schema`` is the PIFU-IMS XSD: PIFU-namespaced files are validated against
    it, and ``strict`` turns the first violation into a FeedError. ``file`` names
    the document in records and issues. ``repair`` reads a bare ``&`` as ``&amp;``
    (with a warning) instead of failing the file.
    """

    default_mode: Mode = "delta"
    target: str = ""
    strict: bool = False
    file: str = ""
    schema: Path | None = None
    repair: bool = True
