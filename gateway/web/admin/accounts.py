"""Accounts: search with filters, and one account's page (fields and where each came from,
locks, places, memberships, family, history), with local edits and their undo."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session
from yarl import URL

from gateway.auth import audit, scopes
from gateway.errors import RuleError
from gateway.local import EDITABLE, school_ids, set_account, settings_of
from gateway.store import accounts, lookup, provenance
from gateway.store import models as m
from gateway.store.names import person
from gateway.store.queries import node_paths
from gateway.users import accounts as users
from gateway.web.admin import reach
from gateway.web.admin.page import render, who
from gateway.web.auth import in_store
from mapping.profiles import Profile

routes = web.RouteTableDef()
PER_PAGE = 50
FILTERS = ("q", "school", "profile", "status", "source")
MADE = "rostergate_made_password"  # carries a password made on adding to the page, once


def _page(request: web.Request) -> int:
    """The page number asked for, 1 when absent or not a number."""
    text = request.query.get("page", "1")
    return max(1, int(text)) if text.isdigit() else 1


def _filter(session: Session, request: web.Request) -> accounts.AccountFilter:
    """The search form's filters, kept to the schools the admin reaches."""
    asked = {name: request.query.get(name, "").strip() for name in FILTERS}
    schools = scopes.school_ids(session, who(request))
    if asked["school"].isdigit():
        school = int(asked["school"])
        scopes.require(session, who(request), school, "see that school's accounts")
        schools = frozenset({school})
    return accounts.AccountFilter(
        asked["q"],
        asked["profile"] or None,
        asked["status"] or None,
        asked["source"] or None,
        schools,
    )


def found(session: Session, request: web.Request) -> dict[str, Any]:
    """The search page: the form's choices and a page of the accounts found."""
    page = _page(request)
    rows, total = accounts.search(
        session, _filter(session, request), PER_PAGE, (page - 1) * PER_PAGE
    )
    paths = node_paths(session)
    return {
        "accounts": rows,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PER_PAGE)),
        "asked": {name: request.query.get(name, "") for name in FILTERS},
        "schools": [(n.id, paths[n.id]) for n in reach.schools(session, who(request))],
        "profiles": session.scalars(select(m.Profile.name).order_by(m.Profile.name)).all(),
        "statuses": accounts.STATUSES,
        "sources": session.scalars(select(m.Source.name).order_by(m.Source.name)).all(),
    }


@routes.get("/accounts")
async def search(request: web.Request) -> web.Response:
    """Find accounts by text, school, profile, status and source."""
    return render(request, "accounts.html", await in_store(request, lambda s: found(s, request)))


def _account(session: Session, request: web.Request, change: bool = False) -> m.Account:
    """The account the URL names, if the admin reaches it (to change it, all its schools)."""
    account = lookup.account(session, request.match_info["username"])
    schools = school_ids(session, account.id)
    if change:
        scopes.require_all(session, who(request), schools, f"change {account.username}")
    else:
        scopes.require_any(session, who(request), schools, f"see {account.username}")
    return account


def _family(session: Session, account: m.Account) -> dict[str, list[tuple[str, str]]]:
    """The account's guardians and children as (username, name), active links only."""
    links = m.GuardianLink
    found: dict[str, list[tuple[str, str]]] = {"guardians": [], "children": []}
    for side, mine, theirs in (
        ("guardians", links.student_id, links.guardian_id),
        ("children", links.guardian_id, links.student_id),
    ):
        query = (
            select(m.Account)
            .join(links, theirs == m.Account.id)
            .where(mine == account.id, links.status == "active")
            .order_by(m.Account.family_name, m.Account.given_name)
        )
        found[side] = [
            (a.username, person(a.given_name, a.family_name, a.username))
            for a in session.scalars(query)
        ]
    return found


def _memberships(session: Session, account: m.Account) -> list[dict[str, Any]]:
    """The account's groups: name, school, role, sync or manual, active or removed."""
    paths = node_paths(session)
    query = (
        select(m.Group, m.Membership)
        .join(m.Membership, m.Membership.group_id == m.Group.id)
        .where(m.Membership.account_id == account.id)
        .order_by(m.Membership.status, m.Group.name, m.Membership.role)
    )
    return [
        {
            "group": group.name,
            "school": paths.get(group.school_id, "") if group.school_id else "",
            "role": row.role,
            "origin": row.origin,
            "status": row.status,
        }
        for group, row in session.execute(query)
    ]


def _forced(session: Session, account: m.Account, profile: m.Profile) -> list[str]:
    """The schools that force the register's e-mail on this account."""
    category = Profile(profile.name, profile.security_level, profile.hierarchy_role).category
    paths = node_paths(session)
    return sorted(
        paths[school]
        for school in school_ids(session, account.id)
        if settings_of(session, school).forces_email(category)
    )


def details(session: Session, request: web.Request, **extra: Any) -> dict[str, Any]:
    """Everything the account page shows."""
    account = _account(session, request)
    shown = accounts.show(session, account.username)
    profile = session.get_one(m.Profile, account.profile_id)
    edited = set(shown["local_fields"])
    origins = provenance.origins(session, account)
    values = {**shown, "nodes": ", ".join(shown["nodes"])}
    return {
        "account": shown,
        "fields": [
            {
                "name": name,
                "value": values[name],
                "origin": origins.get(name),
                "local": name in edited,
                "undo": name in edited and name in provenance.UNDOABLE,
            }
            for name in provenance.FIELDS
        ],
        "editable": EDITABLE,
        "password_set_at": account.password_set_at,
        "forced": _forced(session, account, profile),
        "memberships": _memberships(session, account),
        **_family(session, account),
        "history": provenance.history(session, account),
        **extra,
    }


@routes.get("/accounts/{username}")
async def account_page(request: web.Request) -> web.Response:
    """One account in full; a password just made for it shown this once, then forgotten."""
    made = request.cookies.get(MADE)
    context = await in_store(request, lambda s: details(s, request, made=unquote(made or "")))
    response = render(request, "account.html", context)
    if made is not None:
        response.del_cookie(MADE, path=request.rel_url.raw_path)
    return response


@routes.post("/accounts/{username}")
async def edit(request: web.Request) -> web.Response:
    """Save the edit form's changed fields as local edits; a refusal shows its reason."""
    form = await request.post()
    asked = {name: value for name in EDITABLE if isinstance(value := form.get(name), str)}
    admin, address = who(request), request.remote or ""

    def work(session: Session) -> dict[str, Any]:
        account = _account(session, request, change=True)
        pairs = [f"{k}={v}" for k, v in asked.items() if v.strip() != getattr(account, k)]
        if not pairs:
            return details(session, request)
        try:
            with session.begin_nested():
                diff = set_account(session, account.username, pairs)
        except RuleError as err:
            return details(session, request, error=str(err))
        detail = {name: new for name, (_, new) in diff.items()}
        audit.record(session, admin.name, "account.edit", account.username, detail, address)
        return details(session, request, saved=True)

    context = await in_store(request, work)
    return render(request, "account.html", context, status=409 if "error" in context else 200)


@routes.post("/accounts/{username}/undo")
async def undo(request: web.Request) -> web.StreamResponse:
    """Take back a local edit: the register's value again."""
    field = str((await request.post()).get("field", ""))
    admin, address = who(request), request.remote or ""

    def work(session: Session) -> str:
        account = _account(session, request, change=True)
        before, after = provenance.undo_local(session, account.username, field)
        detail = {"field": field, "before": before, "after": after}
        audit.record(session, admin.name, "account.undo", account.username, detail, address)
        return account.username

    username = await in_store(request, work)
    raise web.HTTPSeeOther(URL("/admin/accounts") / username)


@routes.post("/accounts/{username}/unlock")
async def unlock(request: web.Request) -> web.StreamResponse:
    """Clear the account's expiry date and lock (the API's unlock)."""
    admin, address = who(request), request.remote or ""

    def work(session: Session) -> str:
        account = _account(session, request, change=True)
        diff = users.unlock(session, account.username)
        detail = {name: None if new is None else str(new) for name, (_, new) in diff.items()}
        audit.record(session, admin.name, "account.unlock", account.username, detail, address)
        return account.username

    raise web.HTTPSeeOther(URL("/admin/accounts") / await in_store(request, work))
