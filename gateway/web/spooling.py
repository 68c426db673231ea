"""A feed sent over HTTP, to the spool: a raw body, or the one file of a multipart form.

Push (``/push/{source}``), the admin API's upload (``/api/uploads``) and the admin UI's
import wizard all take a feed this way. The file streams to its spool file under the
size cap (``push_max_bytes``); its format comes from what the caller says, else the
Content-Type or the file's extension, else its content (``gateway.feeds.detect``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from aiohttp import BodyPartReader, MultipartReader, web

from gateway.errors import UsageError
from gateway.feeds import FORMATS, detect
from gateway.queue import spool
from gateway.web.keys import config_key

# A body's Content-Type, or a multipart file's extension, and the feed format it carries.
BY_TYPE = {"application/xml": "ims", "text/xml": "ims", "application/zip": "oneroster"}
BY_TYPE |= {"application/x-zip-compressed": "oneroster", "text/csv": "csv"}
BY_SUFFIX = {".xml": "ims", ".zip": "oneroster", ".csv": "csv"}
SPOOL_NAME = {"ims": "push.xml", "oneroster": "push.zip", "csv": "push.csv"}
# A text field of a form beside the file (a --columns document at most): anything longer goes.
MAX_FIELD_BYTES = 64 * 1024


@dataclass(frozen=True)
class Spooled:
    """A feed in the spool: its file, its format, and the form's text fields beside it."""

    path: Path
    format: str
    fields: dict[str, str] = field(default_factory=dict)


class _Part:
    """A multipart file read in chunks, as the spool reads a request body."""

    def __init__(self, part: BodyPartReader) -> None:
        self.part = part

    async def iter_chunked(self, n: int) -> AsyncIterator[bytes]:
        """The file's bytes in chunks of at most ``n``."""
        while chunk := await self.part.read_chunk(n):
            yield chunk


def _folder_and_cap(request: web.Request) -> tuple[Path, int]:
    """The spool folder and the largest feed taken."""
    config = request.config_dict[config_key]
    return spool.directory(config), config.push_max_bytes


async def _text(part: BodyPartReader) -> str:
    """A form's text field, refused when longer than any option needs."""
    data = b""
    while chunk := await part.read_chunk(MAX_FIELD_BYTES):
        data += chunk
        if len(data) > MAX_FIELD_BYTES:
            raise UsageError(f"the form field {part.name!r} is longer than {MAX_FIELD_BYTES} bytes")
    return data.decode(part.get_charset("utf-8"), errors="replace")


def _checked(fmt: str) -> str:
    """A format the caller named, refused when it is none of the gateway's."""
    if fmt not in FORMATS:
        raise UsageError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    return fmt


async def _sniffed(path: Path) -> str:
    """A spooled feed's format, told from its content."""
    try:
        return await asyncio.to_thread(detect, path)
    except UsageError:
        raise UsageError(f"cannot tell the format of {path.name!r}: say which it is") from None


async def spool_body(request: web.Request, fmt: str | None) -> Spooled:
    """Spool a raw body; its format is ``fmt``, else its Content-Type's, else its content's."""
    folder, cap = _folder_and_cap(request)
    fmt = _checked(fmt) if fmt else BY_TYPE.get(request.content_type)
    path = await spool.spool_stream(request.content, folder, cap, SPOOL_NAME.get(fmt or "", "body"))
    try:
        return Spooled(path, fmt or await _sniffed(path))
    except BaseException:
        spool.discard(path)
        raise


async def spool_form(reader: MultipartReader, request: web.Request, fmt: str | None) -> Spooled:
    """Spool the one file of a multipart form and keep its text fields.

    The format is ``fmt``, else the file's extension's, else its content's.
    """
    folder, cap = _folder_and_cap(request)
    path: Path | None = None
    fields: dict[str, str] = {}
    try:
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                raise UsageError("a form inside a form is not taken: send one file")
            if not part.filename:
                fields[part.name or ""] = await _text(part)
            elif path is None:
                name = part.filename
                path = await spool.spool_stream(_Part(part), folder, cap, name)
            else:
                raise UsageError("the form holds more than one file: send one")
        if path is None:
            raise UsageError("the multipart form must hold one file")
        fmt = _checked(fmt) if fmt else BY_SUFFIX.get(PurePosixPath(path.name).suffix.lower())
        return Spooled(path, fmt or await _sniffed(path), fields)
    except BaseException:
        if path is not None:
            spool.discard(path)
        raise


async def spool_request(request: web.Request, fmt: str | None) -> Spooled:
    """Spool a request's feed: one file in a multipart form, or the raw body."""
    if request.content_type == "multipart/form-data":
        try:
            reader = await request.multipart()
        except ValueError as err:  # no boundary, or a broken one
            raise UsageError(f"the multipart form cannot be read: {err}") from None
        return await spool_form(reader, request, fmt)
    return await spool_body(request, fmt)
