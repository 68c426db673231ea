"""The scheduler's jobs called directly: one rule each, with an injected clock."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from gateway.config import Config
from gateway.store import models as m
from gateway.store import schedules, sources
from scheduler import jobs
from tests.scheduler.conftest import DUE, Drain, FakePull, Fire, issue_codes, runs
from tests.support.packages import World, nordby

pytestmark = pytest.mark.usefixtures("scheduled")  # every test has the source "sis"


def accounts(sessions: sessionmaker[Session]) -> dict[str, str]:
    """Every account's status by sync key."""
    with sessions() as session:
        return dict(session.execute(select(m.Account.sync_key, m.Account.status)).all())  # type: ignore[arg-type]


def add_run(sessions: sessionmaker[Session], **fields: object) -> None:
    """Add a finished run of ``sis`` as the store would hold it."""
    with sessions.begin() as session:
        session.add(m.ImportRun(source_id=sources.get(session, "sis").id, **fields))


def stale(sessions: sessionmaker[Session], config: Config) -> bool:
    """Whether ``sis`` is stale under ``config``."""
    with sessions() as session:
        return bool(sources.describe(session, config, sources.get(session, "sis"))["stale"])


def failing(sessions: sessionmaker[Session], config: Config) -> dict[str, str]:
    """The failing sources and why, as of now."""
    with sessions() as session:
        return sources.failing(session, config, datetime.now())


async def test_a_firing_pulls_once_and_the_pull_queues_a_scheduled_run(
    sessions: sessionmaker[Session], fire: Fire, fake_pull: FakePull
) -> None:
    fired = await fire()
    assert (fired.outcome, fired.source) == ("queued", "sis")
    assert fake_pull.calls == [("sis", "schedule")]
    assert runs(sessions) == [(fired.run, "schedule", "queued")]
    with sessions() as session:
        firing = session.scalars(select(m.Firing)).one()
    assert (firing.due_at, firing.run_id, firing.outcome) == (
        DUE.replace(tzinfo=None),
        fired.run,
        "queued",
    )


async def test_three_replicas_firing_the_same_due_time_make_one_run(
    sessions: sessionmaker[Session], fire: Fire, fake_pull: FakePull
) -> None:
    outcomes = await asyncio.gather(*(fire() for _ in range(3)))
    assert sorted(f.outcome for f in outcomes) == ["queued", "taken", "taken"]
    assert len(fake_pull.calls) == 1 and len(runs(sessions)) == 1
    later = await fire(due=DUE + timedelta(hours=1))
    assert later.outcome == "queued" and len(runs(sessions)) == 2


async def test_a_source_without_a_schedule_is_not_pulled(
    sessions: sessionmaker[Session], fire: Fire, fake_pull: FakePull
) -> None:
    with sessions.begin() as session:
        schedules.set_schedule(session, "sis", None)
    assert (await fire()).outcome == "off"
    assert fake_pull.calls == [] and runs(sessions) == []


async def test_a_blackout_window_stops_scheduled_pulls_on_its_days_only(
    sessions: sessionmaker[Session], fire: Fire, fake_pull: FakePull
) -> None:
    with sessions.begin() as session:
        schedules.add_window(session, "sis", "blackout", "2027-06-20..2027-08-10")
    for day in (date(2027, 6, 20), date(2027, 7, 1), date(2027, 8, 10)):
        fired = await fire(today=day)
        assert (fired.outcome, fired.message) == ("blackout", "2027-06-20..2027-08-10")
    assert fake_pull.calls == [] and runs(sessions) == []
    after = await fire(today=date(2027, 8, 11))
    assert after.outcome == "queued" and len(runs(sessions)) == 1


async def test_an_additions_only_window_creates_and_updates_but_never_expires(
    sessions: sessionmaker[Session], fire: Fire, fake_pull: FakePull, drain: Drain
) -> None:
    await fire()
    assert drain() == ["applied"]
    with sessions.begin() as session:  # (no threshold holds the run that may remove)
        sources.change(session, "sis", settings={"removal_threshold": "1"})
        window = schedules.add_window(session, "sis", "additions_only", "2020-01-01..2099-12-31")
        window_id = window.id
    world = nordby(4).without("P3")
    fake_pull.world = world.changed("P1", given="Åsa")
    fired = await fire(due=DUE + timedelta(hours=1))
    assert drain() == ["applied"]
    assert accounts(sessions)["P3"] == "active"
    with sessions() as session:
        given = session.scalar(select(m.Account.given_name).where(m.Account.sync_key == "P1"))
        (message,) = session.scalars(
            select(m.RunIssue.message).where(
                m.RunIssue.run_id == fired.run, m.RunIssue.code == "additions_only"
            )
        )
    assert given == "Åsa"  # updates go on
    assert message.endswith("the source is in its additions-only window 2020-01-01..2099-12-31")
    assert "removals_off" not in issue_codes(sessions, fired.run or 0)

    with sessions.begin() as session:
        schedules.remove_window(session, "sis", window_id)
    await fire(due=DUE + timedelta(hours=2))
    assert drain() == ["applied"]
    assert accounts(sessions)["P3"] == "expired"


async def test_a_pull_that_fails_is_counted_and_the_source_is_failing_until_one_succeeds(
    sessions: sessionmaker[Session], config: Config, fire: Fire, fake_pull: FakePull, drain: Drain
) -> None:
    failed: list[str] = []
    fake_pull.fails = "HTTP 503 from https://sis.example/export.zip after 3 tries"
    fired = await fire(failed=failed)
    assert fired.outcome == "failed" and failed == ["sis"]
    # the run a pull that gave up records (gateway.pull)
    add_run(
        sessions,
        state="failed",
        origin="schedule",
        error=fake_pull.fails,
        finished_at=datetime.now(),
    )
    assert failing(sessions, config) == {"sis": fake_pull.fails}
    fake_pull.fails = ""
    await fire(due=DUE + timedelta(hours=1), failed=failed)
    assert drain() == ["applied"] and failed == ["sis"]
    assert failing(sessions, config) == {}


async def test_a_pull_that_raises_fails_its_firing_and_is_counted(
    sessions: sessionmaker[Session], fire: Fire
) -> None:
    async def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("the SFTP host key changed")

    failed: list[str] = []
    fired = await fire(pull=broken, failed=failed)
    assert (fired.outcome, fired.message, failed) == (
        "failed",
        "the SFTP host key changed",
        ["sis"],
    )
    with sessions() as session:
        assert session.scalars(select(m.Firing.outcome)).one() == (
            "failed: the SFTP host key changed"
        )


def test_a_source_without_a_successful_run_for_longer_than_stale_after_is_stale(
    sessions: sessionmaker[Session],
) -> None:
    config = Config(stale_after=24)
    with sessions.begin() as session:
        session.execute(update(m.Source).values(created_at=datetime.now() - timedelta(hours=30)))
    add_run(sessions, state="applied", finished_at=datetime.now() - timedelta(hours=25))
    with sessions() as session:
        row = sources.describe(session, config, sources.get(session, "sis"))
    assert row["stale"] is True and row["schedule"] == "every 1h"
    assert stale(sessions, Config()) is False
    with sessions.begin() as session:
        sources.change(session, "sis", settings={"stale_after": "48"})
    assert stale(sessions, config) is False


def test_guardians_are_created_by_the_job_on_their_date_and_not_before(
    sessions: sessionmaker[Session], config: Config, fire: Fire, fake_pull: FakePull, drain: Drain
) -> None:
    today = date.today()  # the worker's runs go by the real date: the clock moves to it
    yesterday = today - timedelta(days=1)
    asyncio.run(fire(pull=FakePull(fake_pull.folder, World())))
    assert drain() == ["applied"]  # the school is there; its admin sets the guardians' date
    with sessions.begin() as session:
        school = session.scalars(select(m.Node).where(m.Node.kind == "school")).one()
        session.get_one(m.SchoolSetting, school.id).guardians_from = today
    asyncio.run(fire(due=DUE + timedelta(hours=1)))
    assert drain(today=yesterday) == ["applied"]
    with sessions.begin() as session:  # the run was yesterday
        session.execute(
            update(m.ImportRun).values(finished_at=datetime.combine(yesterday, datetime.min.time()))
        )
    assert "G1" not in accounts(sessions) and "P1" in accounts(sessions)

    assert jobs.activate_guardians(sessions, config, today=yesterday) == []
    assert drain() == []

    (fired,) = jobs.activate_guardians(sessions, config, today=today)
    assert fired.outcome == "queued" and fired.source == "sis"
    assert jobs.activate_guardians(sessions, config, today=today) == []  # once a date
    assert drain() == ["applied"]
    assert accounts(sessions)["G1"] == "active" and accounts(sessions)["G2"] == "active"
    assert runs(sessions)[-1] == (fired.run, "schedule", "applied")
    assert jobs.activate_guardians(sessions, config, today=today + timedelta(days=1)) == []


def test_a_firing_is_claimed_once_per_source_job_and_due_time(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        source_id = sources.get(session, "sis").id
        assert jobs.claim(session, source_id, "pull", DUE) is not None
        assert jobs.claim(session, source_id, "pull", DUE) is None
        assert jobs.claim(session, source_id, "guardians 1", DUE) is not None
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(m.Firing)) == 2
