"""An admin's upload: a spooled feed queued as a preview or an import (origin ``upload``).

The admin API (``POST /api/uploads``) and the admin UI's import wizard both come here:
who may upload for which source, the options a run takes (as `rostergate import`
takes them, or from a saved column mapping), the queued run, and its audit line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from gateway.auth import audit, scopes
from gateway.auth.scopes import Principal
from gateway.errors import Forbidden, UsageError
from gateway.feeds import parse_columns
from gateway.queue import enqueue
from gateway.store import column_maps, runs, sources
from gateway.store import models as m
from gateway.sync import run as sync
from gateway.web.spooling import Spooled
from mapping.usernames import USERNAME_MODES

# What an upload may say besides its file, as `rostergate import` takes it.
OPTIONS = ("source", "format", "school", "role", "usernames", "mapping", "columns")


@dataclass(frozen=True)
class Upload:
    """What to do with an uploaded feed: for which source, with which options, preview or not."""

    source: str | None = None
    school: str | None = None
    role: str | None = None
    usernames: str | None = None
    mapping: str | None = None  # a saved column mapping's name
    columns: str | None = None  # a --columns document (TOML)
    dry_run: bool = False
    mapped: Mapping[str, Sequence[str]] | None = None  # columns already chosen (the wizard)

    @classmethod
    def of(cls, values: dict[str, str], dry_run: bool) -> Upload:
        """An upload from text options (a query, a form); empty means not given."""
        given = {k: v.strip() for k, v in values.items() if k in OPTIONS and v and v.strip()}
        return cls(
            given.get("source"),
            given.get("school"),
            given.get("role"),
            given.get("usernames"),
            given.get("mapping"),
            given.get("columns"),
            dry_run,
        )


def require_upload(session: Session, who: Principal, name: str | None) -> None:
    """Refuse unless ``who`` may queue a feed for the source ``name``.

    A site admin may, for any source (a new name makes a new source). A school admin
    may only for an existing source whose schools are all theirs: its records for any
    other school are skipped as out of scope, so the run cannot reach beyond them.
    """
    if who.everywhere:
        return
    found = sources.find(session, name) if name else None
    scope = tuple(found.schools or ()) if found else ()
    what = f"upload a feed for source {name!r}" if name else "upload a feed without a source"
    if not scope:
        raise Forbidden(f"{who.name} may not {what}: only for a source limited to their schools")
    reach = scopes.school_ids(session, who) or frozenset()
    for spec in scope:
        named = scopes.school_ids(session, Principal("source", name or "", (spec,))) or frozenset()
        if spec not in who.schools and not (named and named <= reach):
            raise Forbidden(f"{who.name} may not {what}: it writes to {spec}, not theirs")


def run_options(session: Session, upload: Upload) -> dict[str, Any]:
    """The run's feed options: the upload's own, over its saved mapping's."""
    options: dict[str, Any] = {}
    if upload.mapping:
        saved = column_maps.get(session, upload.mapping)
        options["columns"] = dict(saved.columns)
        if saved.usernames:
            options["usernames"] = saved.usernames
    if upload.columns:
        options["columns"] = {h: list(f) for h, f in parse_columns(upload.columns).items()}
    if upload.mapped is not None:
        options["columns"] = {h: list(f) for h, f in upload.mapped.items()}
    if upload.usernames:
        if upload.usernames not in USERNAME_MODES:
            raise UsageError(f"usernames must be one of {', '.join(USERNAME_MODES)}")
        options["usernames"] = upload.usernames
    options |= {k: v for k in ("school", "role") if (v := getattr(upload, k))}
    return options


def queue_upload(
    session: Session, who: Principal, address: str, spooled: Spooled, upload: Upload
) -> int:
    """Queue a spooled feed as the upload says, and log who did; the run's id."""
    require_upload(session, who, upload.source)
    options = run_options(session, upload)
    source = upload.source or spooled.format
    run = enqueue(session, source=source, fmt=spooled.format, spool_path=spooled.path,
                  options=options, dry_run=upload.dry_run, origin="upload")  # fmt: skip
    detail = {"source": source, "format": spooled.format, "file": spooled.path.name}
    action = "upload.preview" if upload.dry_run else "upload.import"
    audit.record(session, who.name, action, f"run {run}", detail | options, address)
    return run


def _uploaded_preview(session: Session, who: Principal, preview: int) -> tuple[m.ImportRun, str]:
    """An uploaded preview the admin may import, and its source's name."""
    run = runs.get(session, preview)
    if run.origin != "upload" or not run.dry_run or run.state != "previewed" or not run.spool_path:
        raise UsageError(f"run {preview} is not an uploaded preview: there is nothing to import")
    source = session.get_one(m.Source, run.source_id).name if run.source_id else run.format
    require_upload(session, who, source)
    return run, source


def import_preview(
    sessions: sessionmaker[Session], who: Principal, address: str, preview: int
) -> int:
    """Import an uploaded preview as it showed: apply its kept plan, or (too large to keep)
    queue its file again, either only while the store is as it was; log who; the run's id."""
    with sessions.begin() as session:
        run, source = _uploaded_preview(session, who, preview)
        detail = {"source": source, "format": run.format, "file": run.file, "preview": preview}
        if run.plan is None:
            sync.still_current(session, run)
            spooled, options = Path(run.spool_path or ""), dict(run.options or {})
            new = enqueue(session, source=source, fmt=run.format, spool_path=spooled,
                          options=options, origin="upload")  # fmt: skip
            audit.record(session, who.name, "upload.import", f"run {new}", detail, address)
            return new
    report = sync.apply_preview(sessions, preview)
    with sessions.begin() as session:
        audit.record(session, who.name, "upload.import", f"run {report.run}", detail, address)
    return report.run
