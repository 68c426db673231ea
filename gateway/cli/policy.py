"""Commands about site policy: profiles and role matching, mapping review, school settings."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sqlalchemy.orm import Session

from gateway.cli import render
from gateway.cli.app import Actions, App
from gateway.errors import NotFound, UsageError
from gateway.local import preset_settings, set_preset, set_settings, settings_of
from gateway.store import lookup, profile_values, profiles
from mapping.settings import SchoolSettings


def _settings_epilog() -> str:
    """The school settings and their defaults, for ``settings --help``."""
    words = {True: "true", False: "false", None: "(no date: YYYY-MM-DD)"}
    lines = [
        f"  {key}={words.get(value, value)}" for key, value in SchoolSettings().as_dict().items()
    ]
    return 'settings (default value; README, "Per-school settings"):\n' + "\n".join(lines)


SETTINGS_EPILOG = _settings_epilog()


def cmd_profiles(app: App, args: argparse.Namespace) -> int:
    """List profiles, change which role words one matches, or change a profile."""
    notes: list[str] = []
    with app.sessions.begin() as session:
        if args.action == "match":
            notes = profiles.match(session, args.profile, args.roles, args.source or "")
        elif args.action == "unmatch":
            removed = profiles.unmatch(session, args.profile, args.roles, args.source or "")
            notes = [f"{removed} match(es) removed"]
        elif args.action == "set":
            notes = profiles.set_values(session, args.profile, args.pairs)
        elif args.action == "add":
            made = profiles.add(session, args.name, args.source_profile, args.level)
            notes = [f"{made.name}: added at security level {made.security_level}"]
        elif args.action == "matrix":
            return _matrix(profile_values.matrix(session), args.json)
        rows = profiles.listing(session)
    for note in notes:  # with --json, stdout holds the JSON alone
        print(note, file=sys.stderr if args.json else sys.stdout)
    if args.json:
        print(render.dump(rows))
    elif not args.action:
        table = [
            [
                p["name"],
                p["security_level"],
                p["hierarchy_role"],
                "yes" if p["feed_assignable"] else "no",
                ", ".join(p["matches"]),
                _overrides(p["source_matches"]),
            ]
            for p in rows
        ]
        header = ["profile", "level", "role", "from feeds", "matches", "source overrides"]
        print(render.table(table, header))
    return 0


def _cell(value: Any, unit: str) -> str:
    """One cell of the matrix as text: ✓/✗, a scope or choice, a number with its unit."""
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, list):
        return f"{len(value)} role words"  # `rostergate profiles` lists them
    return f"{value} {unit}" if unit else str(value)


def _matrix(matrix: dict[str, Any], as_json: bool) -> int:
    """Print the profile matrix: settings as rows by section, profiles as columns."""
    if as_json:
        print(render.dump(matrix))
        return 0
    header = ["setting", *(f"{p['name']} ({p['security_level']})" for p in matrix["profiles"])]
    table = []
    for section in matrix["sections"]:
        table.append([f"[{section['section']}]", *([""] * (len(header) - 1))])
        for s in section["settings"]:
            table.append([s["key"], *(_cell(v, s["unit"]) for v in s["values"].values())])
    print(render.table(table, header))
    return 0


def _overrides(by_source: dict[str, list[str]]) -> str:
    """A source's own role matches on one line."""
    return "; ".join(f"{source}: {', '.join(roles)}" for source, roles in by_source.items())


def cmd_mapping(app: App, args: argparse.Namespace) -> int:
    """Every external role seen in runs and the profile it maps to, unmapped first."""
    with app.sessions() as session:
        rows = profiles.review(session, args.source)
    if args.json:
        print(render.dump(rows))
        return 0
    table = [
        [r["role"], r["source"], r["count"], r["last_run"], r["profile"] or "UNMAPPED"]
        for r in rows
    ]
    print(render.table(table, ["role", "source", "count", "last run", "profile"]))
    return 0


def _settings(session: Session, school: str, pairs: list[str] | None) -> SchoolSettings:
    """A stored school's settings; else the site defaults or a school-to-come's preset."""
    if school:
        try:
            found = lookup.school(session, school)
        except NotFound:
            if not pairs and preset_settings(session, school) is None:
                raise
            print(
                f"{school!r} is not in the store yet: these settings are kept and apply when a "
                "school of that key or name arrives",
                file=sys.stderr,
            )
        else:
            return set_settings(session, school, pairs) if pairs else settings_of(session, found.id)
    if pairs:
        return set_preset(session, school, pairs)
    kept = preset_settings(session, school)
    assert kept is not None
    return kept


def cmd_settings(app: App, args: argparse.Namespace) -> int:
    """Show or change a school's sync settings, the site defaults, or a school-to-come's."""
    if bool(args.school) == bool(args.defaults):
        raise UsageError("name a school, or say --defaults for what new schools start with")
    with app.sessions.begin() as session:
        values = _settings(session, args.school or "", args.set).as_dict()
    if args.json:
        print(render.dump(values))
    else:
        print(render.table([[k, v] for k, v in values.items()], ["setting", "value"]))
    return 0


def register(sub: Actions) -> None:
    """Add these commands to the CLI."""
    _add_profiles(sub)
    _add_mapping(sub)
    _add_settings(sub)


def _add_profiles(sub: Actions) -> None:
    """`profiles`, and its actions that match role words and change profiles."""
    p = sub.add_parser("profiles", help="list profiles; match or unmatch role words")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_profiles, action=None)
    actions = p.add_subparsers(
        dest="action", metavar="match|unmatch|set|add|matrix", help="without one: list the profiles"
    )
    for add_action in (_add_match, _add_profile_set, _add_profile_add, _add_matrix):
        add_action(actions)


def _add_match(actions: Actions) -> None:
    """`profiles match` and `profiles unmatch`."""
    for action in ("match", "unmatch"):
        a = actions.add_parser(action, help=f"{action} role words for a profile")
        a.add_argument("profile", help="the profile's name")
        a.add_argument("roles", nargs="+", metavar="ROLE", help="role words as feeds send them")
        a.add_argument("--source", help="only for this source's feeds (default: site-wide)")
        a.add_argument("--json", action="store_true", help="print JSON")


def _add_profile_set(actions: Actions) -> None:
    """`profiles set`."""
    a = actions.add_parser(
        "set", help="change a profile's settings (`profiles matrix` lists them with their values)"
    )
    a.add_argument("profile", help="the profile's name")
    a.add_argument(
        "pairs",
        nargs="+",
        metavar="KEY=VALUE",
        help="e.g. auto_logout_min=60, create_courses=school, security_level=40, "
        "feed_assignable=false (keeps feeds off it), password_change=must_change|may_change|"
        "may_not_change, password_never_expires=true|false (what its accounts get)",
    )
    a.add_argument("--json", action="store_true", help="print JSON")


def _add_profile_add(actions: Actions) -> None:
    """`profiles add`."""
    a = actions.add_parser("add", help="add a profile copied from an existing one")
    a.add_argument("name", help="the new profile's name")
    a.add_argument(
        "--from",
        dest="source_profile",
        required=True,
        metavar="PROFILE",
        help="the profile whose values and hierarchy role it starts with",
    )
    a.add_argument("--level", type=int, required=True, help="its security level: 10-100, its own")
    a.add_argument("--json", action="store_true", help="print JSON")


def _add_matrix(actions: Actions) -> None:
    """`profiles matrix`."""
    a = actions.add_parser("matrix", help="every setting of every profile, by section")
    a.add_argument("--json", action="store_true", help="print JSON")


def _add_mapping(sub: Actions) -> None:
    """`mapping`."""
    p = sub.add_parser("mapping", help="review the external roles seen in runs")
    p.add_argument("--source", help="only the roles this source sent")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_mapping)


def _add_settings(sub: Actions) -> None:
    """`settings`."""
    p = sub.add_parser(
        "settings",
        help="show or change a school's sync settings",
        epilog=SETTINGS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "school",
        nargs="?",
        help="the school's name, path or key (one not in the store yet keeps its settings "
        "until it arrives)",
    )
    p.add_argument(
        "--defaults", action="store_true", help="the settings every new school starts with"
    )
    p.add_argument("--set", nargs="+", metavar="KEY=VALUE", help="change settings (listed below)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_settings)
