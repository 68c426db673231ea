"""`rostergate oauth-client add|list|remove`: clients of the OneRoster provider."""

from __future__ import annotations

from tests.support.cli import Cli

ROSTER = "https://purl.imsglobal.org/spec/or/v1p2/scope/roster.readonly"
CORE = "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly"


def test_add_list_remove(cli: Cli) -> None:
    added = cli("oauth-client", "add", "lms", "--scopes", "roster.readonly", CORE)
    assert added.code == 0, added.err
    secret = added.out.strip()
    assert secret.startswith("ors_") and len(secret) > 40
    assert "shown only now" in added.err
    listed = cli.json("oauth-client", "list")
    assert [(c["name"], c["scopes"]) for c in listed] == [("lms", [CORE, ROSTER])]
    assert secret not in cli("oauth-client", "list").out
    assert cli("oauth-client", "remove", "lms").code == 0
    assert cli.json("oauth-client", "list") == []


def test_refusals(cli: Cli) -> None:
    bad = cli("oauth-client", "add", "lms", "--scopes", "roster.writeall")
    assert bad.code == 2
    assert "unknown scope 'roster.writeall'" in bad.err
    assert cli("oauth-client", "add", "lms", "--scopes", "roster.readonly").code == 0
    again = cli("oauth-client", "add", "lms", "--scopes", "roster.readonly")
    assert (again.code, "already an OAuth client 'lms'" in again.err) == (2, True)
    missing = cli("oauth-client", "remove", "nobody")
    assert (missing.code, "no OAuth client 'nobody'" in missing.err) == (1, True)
