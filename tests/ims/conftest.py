"""Fixtures of the IMS tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ims import xml


def _raised_first(self: xml.Parse) -> Iterator[object]:
    """Every event of the document, or its parse error before any of them (as lxml 6.2 does)."""
    return iter(list(self._events))


@pytest.fixture(params=["streamed", "raised-first"])
def timing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test as lxml streams events up to a parse error, and as if it raised it first."""
    if request.param == "raised-first":
        monkeypatch.setattr(xml.Parse, "__iter__", _raised_first)
    return str(request.param)
