"""What every admin page shares: its template context, language, session and headers."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import aiohttp_jinja2
from aiohttp import BodyPartReader, MultipartReader, web
from aiohttp.typedefs import Handler
from jinja2 import pass_context
from jinja2.runtime import Context
from yarl import URL

from gateway.auth import browser
from gateway.auth.scopes import Principal
from gateway.errors import Forbidden, GatewayError, NotFound, UsageError
from gateway.web.admin import i18n
from gateway.web.auth import COOKIE, in_store

log = logging.getLogger(__name__)

# No inline script or style, nothing from elsewhere, no framing, forms post only here.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
OPEN = ("/admin/sign-in", "/admin/static/")
STATUSES = ((NotFound, 404), (UsageError, 400), (Forbidden, 403))
WHO = web.RequestKey("admin_principal", Principal)
CSRF = web.RequestKey("admin_csrf", str)
LOCALE = web.RequestKey("admin_locale", str)
# A multipart form's reader, left after its first field (the CSRF token) for the handler.
FORM = web.RequestKey("admin_multipart", MultipartReader)
CSRF_MAX = 256


def N_(message: str) -> str:
    """Mark a message for the catalogues (``make messages``); it is translated where shown."""
    return message


class Expired(Forbidden):
    """A form without this session's CSRF token."""

    text = N_("this form has expired or did not come from this site; reload the page")


def _translated(request: web.Request, message: str) -> str:
    """One of this module's own messages in the request's language."""
    return str(i18n.translations(request.get(LOCALE, i18n.DEFAULT)).gettext(message))


def who(request: web.Request) -> Principal:
    """The signed-in admin."""
    return request[WHO]


def render(
    request: web.Request, template: str, context: Mapping[str, Any], status: int = 200
) -> web.Response:
    """A page in the request's language, with what the layout needs."""
    locale = request.get(LOCALE, i18n.DEFAULT)
    shared = {
        "who": request.get(WHO),
        "csrf": request.get(CSRF, ""),
        "locale": locale,
        "locales": {  # each language's link keeps the page and its query
            code: (name, str(request.rel_url.update_query(lang=code)))
            for code, name in i18n.LOCALES.items()
        },
        "translations": i18n.translations(locale),
        "here": request.path,
    }
    return aiohttp_jinja2.render_template(template, request, {**shared, **context}, status=status)


@pass_context
def gettext(context: Context, message: str) -> str:
    """Translate in the page's language."""
    return str(context["translations"].gettext(message))


@pass_context
def ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    """Translate a message with a count in the page's language."""
    return str(context["translations"].ngettext(singular, plural, n))


@pass_context
def when(context: Context, value: Any) -> str:
    """A time in the page's language."""
    return i18n.when(value, context["locale"])


@pass_context
def number(context: Context, value: int | float) -> str:
    """A number in the page's language."""
    return i18n.number(value, context["locale"])


async def _signed_in(request: web.Request) -> bool:
    """Find the session behind the cookie; check the form's CSRF token on a POST."""
    cookie = request.cookies.get(COOKIE)
    found = await in_store(request, lambda s: browser.resolve(s, cookie)) if cookie else None
    if found is None:
        return False
    request[WHO], request[CSRF] = found
    if request.method == "POST" and await _sent_csrf(request) != request[CSRF]:
        raise Expired(Expired.text)
    return True


async def _sent_csrf(request: web.Request) -> str:
    """The CSRF token a form sent; a multipart form (a file) sends it first, so the file
    can stream to the spool after it instead of being read whole here."""
    if request.content_type != "multipart/form-data":
        return str((await request.post()).get("csrf", ""))
    try:
        reader = await request.multipart()
    except ValueError:  # no boundary
        return ""
    request[FORM] = reader
    part = await reader.next()
    if not isinstance(part, BodyPartReader) or part.name != "csrf" or part.filename:
        return ""
    sent = b""
    while len(sent) <= CSRF_MAX and (chunk := await part.read_chunk(CSRF_MAX)):
        sent += chunk
    return sent.decode(errors="replace")


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Sign-in required (else to the sign-in page), CSRF on forms, errors as pages, headers."""
    request[LOCALE] = i18n.choose(request)
    try:
        if not request.path.startswith(OPEN) and not await _signed_in(request):
            raise web.HTTPSeeOther(URL("/admin/sign-in").with_query(next=request.path_qs))
        response = await handler(request)
    except web.HTTPException as http:
        http.headers.update(HEADERS)
        raise
    except GatewayError as err:
        status = next((code for kind, code in STATUSES if isinstance(err, kind)), 409)
        message = _translated(request, Expired.text) if isinstance(err, Expired) else str(err)
        response = render(request, "error.html", {"message": message}, status=status)
    except Exception:
        log.exception("unexpected error on %s", request.path)
        message = _translated(request, N_("internal error (see the server's log)"))
        response = render(request, "error.html", {"message": message}, status=500)
    response.headers.update(HEADERS)
    if request.query.get("lang") in i18n.LOCALES:
        response.set_cookie(
            i18n.COOKIE, request.query["lang"], max_age=365 * 86400, samesite="Lax", path="/"
        )
    return response
