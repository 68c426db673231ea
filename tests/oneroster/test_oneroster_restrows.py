"""REST JSON objects as rows of the CSV binding."""

from __future__ import annotations

from oneroster.columns import ENROLLMENTS, ROLES, USERS_11, USERS_12
from oneroster.restrows import role_rows, row

USER = {
    "sourcedId": "u1",
    "status": "active",
    "dateLastModified": "2026-09-01T08:00:00.000Z",
    "enabledUser": "TRUE",
    "givenName": "Ada\nMarie",
    "familyName": "Lovel\x00ace",
    "preferredFirstName": "Addie",
    "preferredLastName": "L",
    "userIds": [{"type": "LDAP", "identifier": "12"}, {"type": "LTI", "identifier": "15"}],
    "agents": [{"href": "h", "sourcedId": "g1", "type": "user"}, {"sourcedId": "g2"}],
    "primaryOrg": {"href": "h", "sourcedId": "s1", "type": "org"},
    "grades": ["08", "09"],
    "password": "hunter2",
    "phone": "+47 000",
    "roles": [
        {"roleType": "primary", "role": "student", "org": {"sourcedId": "s1"}},
        {"roleType": "secondary", "role": "aide", "org": {"sourcedId": "s2"}, "endDate": None},
    ],
}


def cells(spec: object, values: list[str]) -> dict[str, str]:
    """A row by column name, leaving out empty cells."""
    return {c: v for c, v in zip(spec.columns, values, strict=True) if v}  # type: ignore[attr-defined]


def test_a_1_2_user_becomes_a_users_row() -> None:
    assert cells(USERS_12, row(USERS_12, USER, "delta")) == {
        "sourcedId": "u1",
        "status": "active",
        "dateLastModified": "2026-09-01T08:00:00.000Z",
        "enabledUser": "TRUE",
        "givenName": "Ada Marie",  # one physical line per row
        "familyName": "Lovelace",
        "preferredGivenName": "Addie",
        "preferredFamilyName": "L",
        "userIds": "{LDAP:12},{LTI:15}",
        "agentSourcedIds": "g1,g2",
        "primaryOrgSourcedId": "s1",
        "grades": "08,09",
        # never password, phone or sms: the gateway keeps none of them
    }


def test_a_bulk_row_leaves_status_and_date_blank() -> None:
    values = cells(USERS_11, row(USERS_11, {**USER, "orgs": [{"sourcedId": "s1"}]}, "bulk"))
    assert "status" not in values and "dateLastModified" not in values
    assert values["orgSourcedIds"] == "s1"


def test_a_1_2_users_roles_become_roles_rows() -> None:
    rows = [cells(ROLES, r) for r in role_rows(ROLES, USER, "delta")]
    common = {"status": "active", "dateLastModified": "2026-09-01T08:00:00.000Z"}
    assert rows == [
        {"sourcedId": "u1/roles/1", **common, "userSourcedId": "u1", "roleType": "primary"}
        | {"role": "student", "orgSourcedId": "s1"},
        {"sourcedId": "u1/roles/2", **common, "userSourcedId": "u1", "roleType": "secondary"}
        | {"role": "aide", "orgSourcedId": "s2"},
    ]


def test_an_enrollment_with_a_json_boolean() -> None:
    enrollment = {"sourcedId": "e1", "class": {"sourcedId": "c1"}, "user": {"sourcedId": "u1"}}
    values = cells(ENROLLMENTS, row(ENROLLMENTS, {**enrollment, "primary": True}, "bulk"))
    assert values == {
        "sourcedId": "e1",
        "classSourcedId": "c1",
        "userSourcedId": "u1",
        "primary": "true",
    }
