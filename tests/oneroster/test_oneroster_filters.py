"""The provider's query parameters parsed into values: filters, sort, fields, paging."""

from __future__ import annotations

import pytest

from oneroster.filters import Clause, ProviderError, Query, parse_filter, parse_query

KNOWN = frozenset({"givenName", "familyName", "dateLastModified", "status", "role"})


def test_one_clause_of_each_operator() -> None:
    for op in ("=", "!=", ">", ">=", "<", "<=", "~"):
        assert parse_filter(f"givenName{op}'Ola'", KNOWN) == ((Clause("givenName", op, "Ola"),),)  # type: ignore[arg-type]


def test_and_binds_tighter_than_or() -> None:
    parsed = parse_filter("role='student' AND givenName~'a' OR familyName='Lie'", KNOWN)
    assert parsed == (
        (Clause("role", "=", "student"), Clause("givenName", "~", "a")),
        (Clause("familyName", "=", "Lie"),),
    )


def test_spaces_quotes_and_keywords_inside_values_are_data() -> None:
    parsed = parse_filter("familyName = 'O''Brien OR x' and status!='tobedeleted'", KNOWN)
    assert parsed == (
        (Clause("familyName", "=", "O'Brien OR x"), Clause("status", "!=", "tobedeleted")),
    )


@pytest.mark.parametrize(
    "text",
    [
        "givenName=Ola",  # value not quoted
        "givenName='Ola",  # quote not closed
        "password='x'",  # no such field
        "givenName='a' XOR familyName='b'",
        "givenName='a' AND",
        "givenName=='a'",
        "'a'=givenName",
        "givenName='a'; DROP TABLE accounts",
        "@school='S1'",  # the provider's own relation fields are not for clients
    ],
)
def test_bad_filters_are_400_invalid_filter_field(text: str) -> None:
    with pytest.raises(ProviderError) as caught:
        parse_filter(text, KNOWN)
    assert (caught.value.status, caught.value.minor) == (400, "invalid_filter_field")


def test_query_parameters() -> None:
    params = {
        "filter": "role='teacher'",
        "sort": "familyName",
        "orderBy": "desc",
        "fields": "sourcedId, givenName",
        "limit": "5",
        "offset": "10",
    }
    assert parse_query(params, KNOWN, KNOWN | {"sourcedId"}) == Query(
        ((Clause("role", "=", "teacher"),),), "familyName", True, ("sourcedId", "givenName"), 5, 10
    )
    assert parse_query({}, KNOWN, KNOWN) == Query()


@pytest.mark.parametrize(
    ("params", "minor"),
    [
        ({"sort": "password"}, "invalid_selection_field"),
        ({"fields": "sourcedId,secret"}, "invalid_selection_field"),
        ({"orderBy": "sideways"}, "invaliddata"),
        ({"limit": "0"}, "invaliddata"),
        ({"limit": "ten"}, "invaliddata"),
        ({"offset": "-1"}, "invaliddata"),
    ],
)
def test_bad_parameters_are_400(params: dict[str, str], minor: str) -> None:
    with pytest.raises(ProviderError) as caught:
        parse_query(params, KNOWN, KNOWN | {"sourcedId"})
    assert (caught.value.status, caught.value.minor) == (400, minor)


def test_endpoint_constraints_join_every_alternative() -> None:
    query = Query(
        parse_filter("role='a' OR role='b'", KNOWN), extra=(Clause("@school", "=", "S1"),)
    )
    school = Clause("@school", "=", "S1")
    assert query.where() == ((Clause("role", "=", "a"), school), (Clause("role", "=", "b"), school))
    assert Query(extra=(school,)).where() == ((school,),)
