"""`rostergate source schedule|window` and `rostergate rerun`, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import Cli
from tests.support.packages import User, nordby

URL = ("--url", "https://sis.example.org/export.zip")


def test_a_schedule_is_set_shown_and_switched_off(cli: Cli) -> None:
    assert cli("source", "add", "sis", "--format", "oneroster", *URL).code == 0
    assert cli.json("source", "show", "sis")["schedule"] == "off"
    said = cli("source", "schedule", "sis", "--every", "2h")
    assert (said.code, said.out) == (0, "source sis: pulled every 2h\n")
    assert cli("source", "schedule", "sis", "--cron", "0  5 * * 1-5").code == 0
    row = cli.json("source", "show", "sis")
    assert (row["schedule"], row["failing"], row["stale"]) == ("cron 0 5 * * 1-5", None, False)
    assert "schedule          cron 0 5 * * 1-5" in cli("source", "show", "sis").out
    assert cli("source", "schedule", "sis", "--off").out == "source sis: not pulled\n"
    assert cli.json("source", "list")[0]["schedule"] == "off"


def test_a_wrong_schedule_is_refused_saying_why(cli: Cli) -> None:
    cli("source", "add", "sis", "--format", "oneroster", *URL)
    bad_cron = cli("source", "schedule", "sis", "--cron", "0 25 * * *")
    assert bad_cron.code == 2 and "--cron must be a crontab line" in bad_cron.err
    bad_every = cli("source", "schedule", "sis", "--every", "soon")
    assert bad_every.code == 2 and "--every must be an interval such as 2h" in bad_every.err
    both = cli("source", "schedule", "sis", "--every", "2h", "--off")
    assert both.code == 2 and "not allowed with argument" in both.err
    nobody = cli("source", "schedule", "nobody", "--every", "2h")
    assert nobody.code == 1 and "there is no source 'nobody'" in nobody.err
    assert cli.json("source", "show", "sis")["schedule"] == "off"


def test_a_source_with_nothing_to_pull_from_is_not_scheduled(cli: Cli) -> None:
    cli("source", "add", "pushed", "--format", "oneroster")
    for when in (("--every", "2h"), ("--cron", "0 5 * * *")):
        refused = cli("source", "schedule", "pushed", *when)
        assert refused.code == 2
        assert refused.err.startswith("rostergate: source 'pushed' has nothing to pull from: ")
        assert "`rostergate source set pushed --url …`" in refused.err
        assert len(refused.err.strip().splitlines()) == 1
    assert cli.json("source", "show", "pushed")["schedule"] == "off"
    assert cli("source", "schedule", "pushed", "--off").code == 0
    assert cli("source", "set", "pushed").code == 2  # neither pairs nor pull options
    assert cli("source", "set", "pushed", *URL).code == 0
    assert cli.json("source", "show", "pushed")["pull"]["url"] == URL[1]
    assert cli("source", "schedule", "pushed", "--every", "2h").code == 0


def test_windows_are_added_listed_and_removed(cli: Cli) -> None:
    cli("source", "add", "sis", "--format", "oneroster")
    assert cli("source", "window", "sis").out == "no windows\n"
    cli("source", "window", "sis", "--blackout", "2027-06-20..2027-08-10")
    rows = cli.json("source", "window", "sis", "--additions-only", "2027-08-01..2027-08-20")
    assert [(r["kind"], r["starts"], r["ends"]) for r in rows] == [
        ("blackout", "2027-06-20", "2027-08-10"),
        ("additions_only", "2027-08-01", "2027-08-20"),
    ]
    assert "additions-only  2027-08-01  2027-08-20" in cli("source", "window", "sis").out
    left = cli.json("source", "window", "sis", "--remove", str(rows[0]["id"]))
    assert [r["kind"] for r in left] == ["additions_only"]
    backwards = cli("source", "window", "sis", "--blackout", "2027-08-10..2027-06-20")
    assert backwards.code == 2 and "ends before it starts" in backwards.err
    garbled = cli("source", "window", "sis", "--blackout", "summer")
    assert garbled.code == 2 and "a window is FIRST..LAST" in garbled.err
    gone = cli("source", "window", "sis", "--remove", "999")
    assert gone.code == 1 and "has no window 999" in gone.err


def test_rerun_runs_the_latest_applied_feed_again(cli: Cli, tmp_path: Path) -> None:
    cli("source", "add", "sis", "--format", "oneroster")
    nothing = cli("rerun", "sis")
    assert nothing.code == 2 and "has no applied feed kept" in nothing.err
    package = nordby(2).write(tmp_path / "feed")
    cli("import", package, "--source", "sis", "--format", "oneroster", "--queue")
    assert cli("worker", "--drain").code == 0
    report = cli.json("rerun", "sis")
    assert report["state"] == "applied"
    assert report["counts"]["accounts"]["unchanged"] == 5
    assert report["counts"]["accounts"]["created"] == 0
    runs = cli.json("runs")
    assert [r["state"] for r in runs][:2] == ["applied", "applied"]


def test_rerun_for_one_school_leaves_the_others_alone(cli: Cli, tmp_path: Path) -> None:
    cli("source", "add", "sis", "--format", "oneroster")
    world = nordby(2)
    world.schools["S2"] = "Sørby skole"
    world.users.append(User("P9", "Siri", "Sand", orgs="S2", agents="G9"))
    world.users.append(User("G9", "Gro", "Sand", "guardian", orgs="S2", agents="P9"))
    for school in ("Nordby skole", "Sørby skole"):  # guardians wait for their date
        assert cli("settings", school, "--set", "guardians_from=2099-01-01").code == 0
    cli("import", world.write(tmp_path / "one"), "--source", "sis", "--queue")
    cli("worker", "--drain")
    keys = {a["sync_key"] for a in cli.json("list", "accounts")}
    assert {"P1", "P9"} <= keys and not {"G1", "G2", "G9"} & keys
    for school in ("Nordby skole", "Sørby skole"):  # the date has come for both
        cli("settings", school, "--set", "guardians_from=2020-01-01")

    report = cli.json("rerun", "sis", "--school", "Sørby skole")
    assert report["state"] == "applied"
    keys = {a["sync_key"] for a in cli.json("list", "accounts")}
    assert "G9" in keys and not {"G1", "G2"} & keys
    notes = [i for i in report["issues"] if i["code"] == "other_school"]
    assert notes and all(i["severity"] == "info" for i in notes)
    assert all(i["message"].endswith("this run is for Sørby skole only") for i in notes)
    elsewhere = cli("rerun", "sis", "--school", "Nowhere")
    assert elsewhere.code == 2 and "no school in the store answers to 'Nowhere'" in elsewhere.err
