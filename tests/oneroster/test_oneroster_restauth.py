"""OAuth 1.0a signatures against known-good vectors, and the client's other auth pieces."""

from __future__ import annotations

import base64
import hashlib
import hmac
from types import SimpleNamespace
from urllib.parse import unquote

import pytest
from oauthlib.oauth1.rfc5849 import signature

from oneroster.restauth import OAuth1, sign
from oneroster.resthttp import Retry


def test_oauthlib_signs_the_rfc_5849_example() -> None:
    # RFC 5849 §1.2: the photos.example.net request and its published signature.
    params = [
        ("file", "vacation.jpg"),
        ("size", "original"),
        ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
        ("oauth_token", "nnch734d00sl2jdk"),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", "137131202"),
        ("oauth_nonce", "chapoH"),
    ]
    uri = signature.base_string_uri("http://photos.example.net/photos")
    base = signature.signature_base_string("GET", uri, signature.normalize_parameters(params))
    client = SimpleNamespace(
        client_secret="kd94hf93k423kf44", resource_owner_secret="pfkkdhi9sl3r4s00"
    )
    assert signature.sign_hmac_sha1_with_client(base, client) == "MdpQcU8iPSUjWoN/UDMsK2sui9I="


def _oauth(header: str) -> dict[str, str]:
    """The parameters of an ``OAuth …`` Authorization header."""
    pairs = (p.strip().split("=", 1) for p in header.removeprefix("OAuth ").split(","))
    return {k: unquote(v.strip('"')) for k, v in pairs}


@pytest.mark.parametrize(
    ("method", "digest"), [("HMAC-SHA256", hashlib.sha256), ("HMAC-SHA1", hashlib.sha1)]
)
def test_a_one_roster_request_is_signed_as_rfc_5849_says(method: str, digest: object) -> None:
    url = "http://sis.example/ims/oneroster/v1p1/users?limit=2&offset=0"
    header = sign(OAuth1("key", "sec&ret", method), "GET", url, "abc", "1700000000")  # type: ignore[arg-type]
    # The base string (RFC 5849 §3.4.1) written out, and its HMAC keyed "secret&" (no token).
    base = (
        "GET&http%3A%2F%2Fsis.example%2Fims%2Foneroster%2Fv1p1%2Fusers&limit%3D2"
        "%26oauth_consumer_key%3Dkey%26oauth_nonce%3Dabc"
        f"%26oauth_signature_method%3D{method}%26oauth_timestamp%3D1700000000"
        "%26oauth_version%3D1.0%26offset%3D0"
    )
    mac = hmac.new(b"sec%26ret&", base.encode(), digest)  # type: ignore[arg-type]
    params = _oauth(header)
    assert params["oauth_signature"] == base64.b64encode(mac.digest()).decode()
    assert (params["oauth_consumer_key"], params["oauth_signature_method"]) == ("key", method)


def test_credentials_stay_out_of_reprs() -> None:
    assert "sec" not in repr(OAuth1("key", "secret"))


@pytest.mark.parametrize(
    ("after", "attempt", "wait"),
    [
        ("3", 0, 3.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0, 0.0),  # a date gone by: at once
        ("Fri, 31 Dec 9999 23:59:59 GMT", 0, 60.0),  # bounded
        ("120", 2, 60.0),
    ],
)
def test_retry_after_is_read_as_seconds_or_a_date(after: str, attempt: int, wait: float) -> None:
    assert Retry(max_wait=60.0).wait(attempt, after) == wait


def test_without_retry_after_the_wait_backs_off() -> None:
    retry = Retry(max_wait=60.0)
    for n in range(4):
        assert 2**n <= retry.wait(n, None) <= 2**n * 1.25  # doubling, with some jitter
    assert retry.wait(10, None) == 60.0
