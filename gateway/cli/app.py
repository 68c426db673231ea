"""What every command needs: the config, and the store opened on first use."""

from __future__ import annotations

import argparse
from functools import cached_property
from pathlib import Path
from typing import TypeAlias

from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session, sessionmaker

from gateway.config import Config
from gateway.errors import NotFound
from gateway.store.db import make_engine, make_sessions

# Where a command module adds its commands (or a command its subcommands).
Actions: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


class App:
    """The config and a lazily opened store."""

    def __init__(self, config: Config) -> None:
        self.config = config

    @cached_property
    def engine(self) -> Engine:
        """The store's engine."""
        return make_engine(self.config.database_url, self.config.busy_timeout)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        """Sessions on an initialised store."""
        url = self.engine.url
        # Asking a SQLite file that is not there for its tables would create it, empty.
        missing = url.get_backend_name() == "sqlite" and not _file_exists(url.database)
        if missing or not inspect(self.engine).has_table("meta"):
            raise NotFound("the store is not initialised: run `rostergate init` first")
        return make_sessions(self.engine)

    def close(self) -> None:
        """Release the store's connections."""
        if "engine" in self.__dict__:
            self.engine.dispose()


def _file_exists(database: str | None) -> bool:
    """Whether a SQLite database names a file that exists (or is not a plain file)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return True
    return Path(database).is_file()
