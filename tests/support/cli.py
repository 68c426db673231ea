"""Run the real CLI in-process and capture what it prints."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from gateway.cli import main


@dataclass
class Result:
    """What one CLI call returned and printed."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        """The output parsed as JSON."""
        return json.loads(self.out)


class Cli:
    """Calls `rostergate ...` against one test store."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys

    def __call__(self, *args: str) -> Result:
        """Run one command."""
        self.capsys.readouterr()
        code = main([str(a) for a in args])
        out, err = self.capsys.readouterr()
        return Result(code, out, err)

    def json(self, *args: str) -> Any:
        """Run a command with --json and return its parsed output."""
        result = self(*args, "--json")
        assert result.code in (0, 3), result.err
        return result.json()
