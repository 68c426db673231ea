"""Where the shared external fixtures are: referenced in place, never copied into the repo.

They sit beside the repository (``../shared/fixtures/external``). A clone made
elsewhere (CI, ``git clone . /tmp/x``) finds them through ROSTERGATE_FIXTURES
or the workplace's shared folder.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CANDIDATES = (
    os.environ.get("ROSTERGATE_FIXTURES", ""),
    str(REPO.parent / "shared" / "fixtures" / "external"),
    "/work/shared/fixtures/external",
)


def external() -> Path:
    """The external fixtures folder; fails loudly when it cannot be found."""
    for candidate in CANDIDATES:
        if candidate and Path(candidate, "ims", "SOURCES.md").exists():
            return Path(candidate)
    raise RuntimeError(
        "external fixtures not found: set ROSTERGATE_FIXTURES to shared/fixtures/external"
    )


EXTERNAL = external()
