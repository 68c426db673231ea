"""Any bytes into any reader: only records, row issues and feed errors come out.

Hypothesis writes the bytes; a reader may refuse a file (FeedError) or report rows
(RowIssue), but never raise anything else, hang, or yield something that is not a record.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ims
import oneroster
from gateway import csvfeed
from mapping.records import FeedError, Group, GuardianLink, Membership, Org, Person, RowIssue, Scope

ALLOWED = (Person, Org, Group, Membership, GuardianLink, RowIssue, Scope)
EXAMPLES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Bytes that look like the format often enough to get past the first check.
CSV_BYTES = st.one_of(
    st.binary(max_size=400),
    st.builds(
        lambda body: b"Synkroniseringsn\xc3\xb8kkel;Fornavn;Etternavn;Rolle;Klasse\n" + body,
        st.binary(max_size=400),
    ),
    st.lists(
        st.sampled_from(
            [b"E1", b";", b",", b'"', b"\n", b"\r", b"\r\n", b"elev", b"\x00", b"\xff"]
        ),
        max_size=60,
    ).map(lambda parts: b"Sync key;Given name;Family name;Role\n" + b"".join(parts)),
)
XML_BYTES = st.one_of(
    st.binary(max_size=400),
    st.lists(
        st.sampled_from(
            [
                b"<person>",
                b"</person>",
                b"<sourcedid><id>1</id></sourcedid>",
                b"<group>",
                b"</group>",
                b"<membership>",
                b"</membership>",
                b"<member>",
                b"&",
                b"&amp;",
                b"<role roletype='01'><status>1</status></role>",
                b"\x00",
                b"\xc3",
                b"<!--",
                b"]]>",
            ]
        ),
        max_size=40,
    ).map(lambda parts: b"<?xml version='1.0'?><enterprise>" + b"".join(parts)),
)
USERS_HEADER = b"sourcedId,status,dateLastModified,enabledUser,role,username,givenName,familyName\n"
MANIFEST = b"propertyName,value\noneroster.version,1.1\nfile.users,bulk\n"


def drain(records: Callable[[], Iterator[object]]) -> None:
    """Read everything; only records, row issues or one FeedError may come out."""
    try:
        for item in records():
            assert isinstance(item, ALLOWED), item
    except FeedError as err:
        assert err.code and err.message


@EXAMPLES
@given(CSV_BYTES)
def test_gateway_csv_reader(data: bytes) -> None:
    options = csvfeed.ReadOptions(school="Nordby skole", role="elev", file="f.csv")
    drain(lambda: csvfeed.read(io.BytesIO(data), options))


@EXAMPLES
@given(XML_BYTES)
def test_ims_reader(data: bytes) -> None:
    drain(lambda: ims.read(io.BytesIO(data), ims.ReadOptions(file="f.xml")))


@EXAMPLES
@given(st.one_of(st.binary(max_size=400), st.binary(max_size=400).map(USERS_HEADER.__add__)))
def test_oneroster_reader_folder(users: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "manifest.csv").write_bytes(MANIFEST)
        Path(folder, "users.csv").write_bytes(users)
        drain(lambda: oneroster.read(Path(folder), oneroster.ReadOptions(file="p")))


@EXAMPLES
@given(st.binary(max_size=600).map(lambda tail: b"PK\x03\x04" + tail))
def test_oneroster_reader_zip(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "p.zip")
        path.write_bytes(data)
        drain(lambda: oneroster.read(path, oneroster.ReadOptions(file="p.zip")))
