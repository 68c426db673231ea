"""Accounts (search, one account, local edits) and manual members of groups.

A school admin finds and reads the accounts of their schools, edits one only when every
school it belongs to is theirs, and manages the members of their schools' groups.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from gateway.auth import scopes
from gateway.auth.scopes import Principal
from gateway.errors import UsageError
from gateway.local import EDITABLE, add_member, remove_member, school_ids, set_account
from gateway.store import accounts, lookup, profile_values, provenance, reach
from gateway.users import accounts as users
from gateway.web.api.base import body, flag, log, page, pairs, read, reply, text, write
from gateway.web.spec import PAGE, Param, describe

routes = web.RouteTableDef()
TAG = "accounts"
EDIT_BODY = {
    "type": "object",
    "properties": {name: {"type": "string"} for name in (*EDITABLE, *users.FIELDS)},
    "additionalProperties": False,
}
UNDO_BODY = {
    "type": "object",
    "properties": {"field": {"type": "string", "enum": list(provenance.UNDOABLE)}},
    "required": ["field"],
}
MEMBER_BODY = {
    "type": "object",
    "properties": {
        "username": {"type": "string", "minLength": 1},
        "role": {"type": "string", "description": "student, teacher … (default: the profile's)"},
    },
    "required": ["username"],
}


def account_in_reach(session: Session, who: Principal, username: str, change: bool = False) -> None:
    """Refuse an account outside the caller's schools (to change it, all of its schools)."""
    schools = school_ids(session, lookup.account(session, username).id)
    if change:
        scopes.require_all(session, who, schools, f"change {username}")
    else:
        scopes.require_any(session, who, schools, f"see {username}")


@routes.get("/accounts")
@describe(
    "Accounts found by name, username, key or e-mail, filtered and paged",
    TAG,
    query=(
        Param("q", "text in the username, names, sync key or e-mail"),
        Param("school", "only this school's accounts (key, path or name)"),
        Param("profile", "only accounts with this profile"),
        Param("status", "only accounts in this status", enum=accounts.STATUSES),
        Param("source", "only this source's accounts"),
        Param("with_profile_settings", "add each account's profile_settings", "boolean"),
        *PAGE,
    ),
)
async def search(request: web.Request) -> web.Response:
    """Accounts as `rostergate list accounts --json` shows them; a school admin's schools'."""
    limit, offset = page(request)
    school, settings = text(request, "school"), flag(request, "with_profile_settings")

    def work(session: Session, who: Principal) -> tuple[list[dict[str, Any]], int]:
        schools = scopes.school_ids(session, who)
        if school is not None:
            node = lookup.school(session, school)
            scopes.require(session, who, node.id, f"see {node.name}'s accounts")
            schools = frozenset({node.id})
        where = accounts.AccountFilter(
            text(request, "q") or "",
            text(request, "profile"),
            text(request, "status"),
            text(request, "source"),
            schools,
        )
        found, total = accounts.search(session, where, limit, offset)
        if settings:
            values = profile_values.of_profiles(session)
            found = [{**row, "profile_settings": values[row["profile"]]} for row in found]
        return found, total

    rows, total = await read(request, work)
    return reply(rows, total=total)


@routes.get("/accounts/{username}")
@describe("One account: fields, profile, places, schools and memberships", TAG)
async def show(request: web.Request) -> web.Response:
    """`rostergate account USERNAME`."""
    username = request.match_info["username"]

    def work(session: Session, who: Principal) -> dict[str, Any]:
        account_in_reach(session, who, username)
        return accounts.show(session, username)

    return reply(await read(request, work))


@routes.patch("/accounts/{username}")
@describe(
    "Edit an account's fields locally (a forced e-mail answers 409 with the reason)",
    TAG,
    body=EDIT_BODY,
)
async def edit(request: web.Request) -> web.Response:
    """`rostergate account USERNAME --set FIELD=VALUE …`."""
    username, data = request.match_info["username"], await body(request)
    if not data:
        raise UsageError(f"name a field to change: {', '.join((*EDITABLE, *users.FIELDS))}")
    own = {k: data.pop(k) for k in users.FIELDS if k in data}

    def work(session: Session, who: Principal) -> dict[str, Any]:
        account_in_reach(session, who, username, change=True)
        diff = set_account(session, username, pairs(data)) if data else {}
        if own:
            site = who.kind == "site"
            diff |= users.set_fields(
                session, username, dict(p.split("=", 1) for p in pairs(own)), site
            )
        log(session, request, "account.edit", username, {k: v[1] for k, v in diff.items()})
        return {"changed": diff, "account": accounts.show(session, username)}

    return reply(await write(request, work))


@routes.post("/accounts/{username}/undo")
@describe(
    "Take back a local edit of a field: the register's value again (as the account page's undo)",
    TAG,
    body=UNDO_BODY,
)
async def undo(request: web.Request) -> web.Response:
    """Undo the local edit of {field}; the field's before and after, and the account."""
    username, data = request.match_info["username"], await body(request)
    field = data.get("field")
    if not isinstance(field, str) or not field:
        raise UsageError(f"field must be one of {', '.join(provenance.UNDOABLE)}")

    def work(session: Session, who: Principal) -> dict[str, Any]:
        account_in_reach(session, who, username, change=True)
        before, after = provenance.undo_local(session, username, field)
        detail = {"field": field, "before": before, "after": after}
        log(session, request, "account.undo", lookup.account(session, username).username, detail)
        return {**detail, "account": accounts.show(session, username)}

    return reply(await write(request, work))


def _group(session: Session, who: Principal, group: str, username: str) -> None:
    """Refuse a group outside the caller's schools, or an account they cannot see."""
    schools = reach.group_school(lookup.group(session, group))
    scopes.require_all(session, who, schools, f"change the members of {group}")
    account_in_reach(session, who, username)


@routes.get("/groups/{group}/members")
@describe("A group's members, with their roles and how they got there", TAG)
async def members(request: web.Request) -> web.Response:
    """Who is in a group (its school's admins and site admins)."""
    group = request.match_info["group"]

    def work(session: Session, who: Principal) -> list[dict[str, Any]]:
        found = lookup.group(session, group)
        scopes.require_any(session, who, reach.group_school(found), f"see the members of {group}")
        return accounts.members(session, found)

    return reply(await read(request, work))


@routes.post("/groups/{group}/members")
@describe("Add a manual member to a group", TAG, body=MEMBER_BODY, status=201)
async def add(request: web.Request) -> web.Response:
    """`rostergate member add GROUP USERNAME [--role ROLE]`."""
    group, data = request.match_info["group"], await body(request)
    username, role = data.get("username"), data.get("role")
    if not isinstance(username, str) or not isinstance(role, str | None):
        raise UsageError("username must be an account's username, role a role word")

    def work(session: Session, who: Principal) -> dict[str, Any]:
        _group(session, who, group, username)
        given = add_member(session, group, username, role)
        log(session, request, "member.add", f"{username}@{group}", {"role": given})
        return {"group": group, "username": username, "role": given, "origin": "manual"}

    return reply(await write(request, work), status=201)


@routes.delete("/groups/{group}/members/{username}")
@describe(
    "Remove a member from a group (one the sync added takes force=1)",
    TAG,
    query=(
        Param("role", "only this role's membership"),
        Param("force", "1: remove a member the register added (its next import restores it)",
              "boolean"),
    ),
)  # fmt: skip
async def remove(request: web.Request) -> web.Response:
    """`rostergate member remove GROUP USERNAME [--role ROLE] [--force]`."""
    group, username = request.match_info["group"], request.match_info["username"]
    role, force = text(request, "role"), flag(request, "force")

    def work(session: Session, who: Principal) -> dict[str, Any]:
        _group(session, who, group, username)
        removed = remove_member(session, group, username, role, force)
        log(session, request, "member.remove", f"{username}@{group}", {"force": force})
        return {"group": group, "username": username, "removed": removed}

    return reply(await write(request, work))
