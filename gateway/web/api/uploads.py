"""Upload a feed for a preview or an import: spooled, queued (origin ``upload``), answered 202."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.orm import Session

from gateway.auth.scopes import Principal
from gateway.feeds import FORMATS
from gateway.queue import spool
from gateway.web import spooling
from gateway.web.api.base import flag, read, reply, text, write
from gateway.web.spec import Param, describe
from gateway.web.uploads import Upload, queue_upload, require_upload
from mapping.usernames import USERNAME_MODES

routes = web.RouteTableDef()
TAG = "runs"


@routes.post("/uploads")
@describe(
    "Upload a feed (one file in a multipart form, or the raw body) and queue its preview or "
    "import; the options may also come as the form's text fields",
    TAG,
    query=(
        Param("source", "the source the feed is from (a school admin: one limited to theirs)"),
        Param("format", "the feed's format; told from the file when not given", enum=FORMATS),
        Param("school", "CSV: the school of rows that name none"),
        Param("role", "CSV: the role of rows that name none"),
        Param("usernames", "how usernames are made (as import --usernames)", enum=USERNAME_MODES),
        Param("mapping", "CSV: a saved column mapping's name"),
        Param("dry_run", "1: queue a preview that changes nothing", "boolean"),
    ),
    status=202,
)
async def upload(request: web.Request) -> web.Response:
    """Spool the feed and queue it as a run; 202 with where to follow it."""
    named = text(request, "source")
    if named or request.content_type != "multipart/form-data":  # refused before it is read
        await read(request, lambda session, who: require_upload(session, who, named))
    spooled = await spooling.spool_request(request, text(request, "format"))
    values = {**spooled.fields, **{k: v for k, v in request.query.items() if v}}
    options = Upload.of(values, flag(request, "dry_run") or values.get("dry_run") in ("1", "true"))

    def work(session: Session, who: Principal) -> int:
        return queue_upload(session, who, request.remote or "", spooled, options)

    try:
        run = await write(request, work)
    except BaseException:
        spool.discard(spooled.path)
        raise
    state = {"run": run, "state": "queued", "format": spooled.format, "dry_run": options.dry_run}
    return reply(state | {"status": f"/api/runs/{run}"}, status=202)
