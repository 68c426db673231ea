"""`rostergate source …` end to end on SQLite and PostgreSQL (issue 12 item 1).

Sources as rows: add, show, set, list, push tokens that rotate, removal refused while runs
wait and a retire rather than a delete once it owns records; stored settings lie over the
config's and are what runs use; every change in the audit log.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.auth import audit
from gateway.auth.scopes import Principal
from gateway.config import Config
from gateway.errors import UsageError
from gateway.store import models as m
from gateway.store import sources
from tests.ims.xmlfeed import feed, group, member, membership, person, role
from tests.support.cli import Cli
from tests.support.packages import nordby


def actions(sessions: sessionmaker[Session]) -> list[tuple[str, str]]:
    """The audit log's (action, target), oldest first."""
    with sessions() as session:
        return [(e["action"], e["target"]) for e in reversed(audit.entries(session))]


def test_add_show_set_and_list(cli: Cli, sessions: sessionmaker[Session]) -> None:
    added = cli(
        "source", "add", "vigilo", "--format", "ims", "--schools", "Nordby skole", "S2",
        "--mode", "full", "--threshold", "15", "--set", "removals=false", "--json",
    )  # fmt: skip
    assert added.code == 0, added.err
    assert "no school in the store answers to 'S2' yet" in added.err
    row = added.json()
    assert (row["name"], row["format"], row["schools"], row["status"]) == (
        "vigilo", "ims", ["Nordby skole", "S2"], "active",
    )  # fmt: skip
    assert row["settings"] == {"mode": "full", "removal_threshold": 0.15, "removals": False}
    assert row["token"] is False and row["runs"] == 0

    changed = cli.json("source", "set", "vigilo", "usernames=keep", "removals=", "schools=S2")
    assert changed["settings"] == {"mode": "full", "removal_threshold": 0.15, "usernames": "keep"}
    assert changed["schools"] == ["S2"]
    assert cli.json("source", "show", "vigilo") == changed

    assert cli("source", "add", "vigilo", "--format", "csv").code == 2
    cli("source", "add", "elevreg", "--format", "csv")
    listed = cli.json("source", "list")
    assert [(r["name"], r["format"], r["schools"]) for r in listed] == [
        ("elevreg", "csv", []),
        ("vigilo", "ims", ["S2"]),
    ]
    text = cli("source", "list").out
    assert "every school" in text and "usernames=keep" in text
    assert actions(sessions) == [
        ("source.add", "vigilo"),
        ("source.set", "vigilo"),
        ("source.add", "elevreg"),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--set", "removal_threshold=3"), "removal_threshold must be a number from 0 to 1"),
        (("--threshold", "150"), "--threshold must be a percentage from 0 to 100"),
        (("--set", "usernames=random"), "usernames must be one of"),
        (("--set", "removal_treshold=0.2"), "unknown setting removal_treshold"),
        (("--set", "database_url=x"), "unknown setting database_url"),
        (("--set", "removal_min=-1"), "removal_min must be a whole number 0 or more"),
    ],
)
def test_a_bad_setting_is_refused_with_its_key_named(
    cli: Cli, args: tuple[str, ...], message: str
) -> None:
    result = cli("source", "add", "vigilo", "--format", "ims", *args)
    assert result.code == 2 and message in result.err, result.err
    assert cli.json("source", "list") == []
    cli("source", "add", "vigilo", "--format", "ims")
    key, _, value = args[1].partition("=")
    if args[0] == "--set":
        refused = cli("source", "set", "vigilo", f"{key}={value}")
        assert refused.code == 2 and message in refused.err, refused.err
    assert cli.json("source", "show", "vigilo")["settings"] == {}


def test_source_token_rotates_and_only_its_hash_is_kept(
    cli: Cli, sessions: sessionmaker[Session]
) -> None:
    cli("source", "add", "vigilo", "--format", "ims", "--schools", "Nordby skole")
    first = cli("source", "token", "vigilo")
    assert first.code == 0 and "shown only now" in first.err
    old = first.out.strip()
    assert old.startswith("rgp_") and len(old) > 40
    new = cli("source", "token", "vigilo").out.strip()
    assert new != old
    with sessions() as session:
        stored = session.scalar(select(m.Source.token_hash))
        assert stored not in (old, new) and len(stored) == 64
        assert sources.authenticate(session, "vigilo", old) is None
        assert sources.authenticate(session, "vigilo", new) == Principal(
            "source", "vigilo", ("Nordby skole",)
        )
    assert cli.json("source", "show", "vigilo")["token"] is True
    assert actions(sessions)[-2:] == [("source.token", "vigilo"), ("source.token", "vigilo")]


def _run_row(sessions: sessionmaker[Session], name: str, state: str) -> int:
    """A run of the source in ``state``, as the queue (built elsewhere) would leave one."""
    with sessions.begin() as session:
        source_id = sources.get(session, name).id
        run = m.ImportRun(source_id=source_id, format="ims", state=state)
        session.add(run)
        session.flush()
        return run.id


def test_remove_is_refused_while_runs_wait_and_retires_a_source_with_runs(
    cli: Cli, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    cli("source", "add", "vigilo", "--format", "ims")
    token = cli("source", "token", "vigilo").out.strip()
    queued = _run_row(sessions, "vigilo", "queued")
    refused = cli("source", "remove", "vigilo")
    assert refused.code == 2 and f"queued or running runs ({queued})" in refused.err
    with sessions.begin() as session:
        session.get_one(m.ImportRun, queued).state = "failed"
    retired = cli("source", "remove", "vigilo")
    assert retired.code == 0 and "retired" in retired.out
    shown = cli.json("source", "show", "vigilo")
    assert (shown["status"], shown["token"], shown["runs"]) == ("retired", False, 1)
    with sessions() as session:
        assert sources.authenticate(session, "vigilo", token) is None
    path = tmp_path / "feed.xml"
    path.write_bytes(feed(person("P1")))
    stopped = cli("import", str(path), "--format", "ims", "--source", "vigilo")
    assert stopped.code == 2 and "source 'vigilo' is retired" in stopped.err
    assert cli.json("list", "accounts") == []
    back = cli("source", "add", "vigilo", "--format", "ims")
    assert back.code == 0 and "active again" in back.err
    assert cli.json("source", "show", "vigilo")["status"] == "active"


def test_remove_deletes_a_source_that_owns_nothing(
    cli: Cli, sessions: sessionmaker[Session]
) -> None:
    cli("source", "add", "vigilo", "--format", "ims")
    removed = cli("source", "remove", "vigilo")
    assert removed.code == 0 and "deleted" in removed.out
    assert cli.json("source", "list") == []
    assert cli("source", "show", "vigilo").code == 1
    assert ("source.remove", "vigilo") in actions(sessions)


def test_a_stored_threshold_overrides_the_configs(cli: Cli, tmp_path: Path) -> None:
    """The config lets a run remove half; the stored 10 % holds a run that removes 2 of 12."""
    (tmp_path / "rostergate.toml").write_text("[sources.sis]\nremoval_threshold = 0.5\n")
    world = nordby(10)
    assert cli("import", str(world.write(tmp_path / "a")), "--source", "sis").code == 0
    shown = cli.json("source", "show", "sis")
    assert shown["format"] == "oneroster" and shown["effective"]["removal_threshold"] == 0.5
    cli("source", "set", "sis", "removal_threshold=0.1")
    assert cli.json("source", "show", "sis")["effective"]["removal_threshold"] == 0.1
    fewer = world.without("P9", "P10").write(tmp_path / "b")
    held = cli("import", str(fewer), "--source", "sis", "--json")
    assert held.code == 3 and held.json()["state"] == "held"
    cli("source", "set", "sis", "removal_threshold=")  # back to the config's half
    assert cli("import", str(fewer), "--source", "sis").code == 0


def test_a_stored_mode_is_what_the_reader_uses(cli: Cli, tmp_path: Path) -> None:
    """An IMS file without properties/type is a delta unless the source says full."""
    school = group("S1", "Nordby skole", typevalue="school")

    def write(name: str, *keys: str) -> Path:
        parts = [person(k) for k in keys]
        parts.append(membership("S1", *(member(k, role("01")) for k in keys)))
        path = tmp_path / name
        path.write_bytes(feed(school, *parts))
        return path

    cli("source", "add", "vigilo", "--format", "ims", "--mode", "full")
    assert cli("import", str(write("a.xml", "P1", "P2", "P3")), "--source", "vigilo").code == 0
    report = cli.json("import", str(write("b.xml", "P1", "P2")), "--source", "vigilo")
    assert report["counts"]["accounts"]["expired"] == 1


def test_effective_settings_lay_the_row_over_the_config(sessions: sessionmaker[Session]) -> None:
    config = Config(sources={"sis": {"removal_threshold": 0.5, "mode": "delta"}})
    with sessions.begin() as session:
        assert sources.effective_settings(session, config, "sis") == {
            "removal_threshold": 0.5,
            "mode": "delta",
        }
        sources.add(session, "sis", "ims", [], {"removal_threshold": "0.2"})
        assert sources.effective_settings(session, config, "sis") == {
            "removal_threshold": 0.2,
            "mode": "delta",
        }
        with pytest.raises(UsageError, match="mode must be one of full, delta"):
            sources.change(session, "sis", settings={"mode": "sideways"})


def test_authenticate_tells_a_wrong_token_from_another_sources(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        sources.add(session, "vigilo", "ims", ["Nordby skole"], {})
        sources.add(session, "visma", "oneroster", [], {})
        vigilo, visma = (sources.issue_token(session, n) for n in ("vigilo", "visma"))
    with sessions() as session:
        right: Any = sources.authenticate(session, "vigilo", vigilo)
        assert right == Principal("source", "vigilo", ("Nordby skole",))
        assert sources.authenticate(session, "vigilo", "rgp_wrong") is None
        assert sources.authenticate(session, "nobody", "rgp_wrong") is None
        other = sources.authenticate(session, "vigilo", visma)
        assert other is not None and other.name == "visma" and other.everywhere


def test_set_changes_the_format_and_says_what_it_takes(
    cli: Cli, sessions: sessionmaker[Session]
) -> None:
    cli("source", "add", "vigilo", "--format", "ims", "--schools", "S1")
    assert cli.json("source", "set", "vigilo", "format=oneroster")["format"] == "oneroster"
    empty = cli("source", "set", "vigilo", "format=")
    assert empty.code == 2 and "format must be one of ims, oneroster, csv" in empty.err
    unknown = cli("source", "set", "vigilo", "removal_treshold=")
    assert unknown.code == 2 and "unknown setting removal_treshold" in unknown.err
    assert cli("source", "set", "vigilo", "nothing").code == 2
    assert cli("source", "set", "nobody", "mode=full").code == 1
    with sessions() as session:
        (entry,) = [e for e in audit.entries(session) if e["action"] == "source.set"]
    assert entry["detail"] == {"changes": {"format": "oneroster"}}
