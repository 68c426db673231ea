"""What every command needs: the config, and the store opened on first use."""

from __future__ import annotations

from functools import cached_property

from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session, sessionmaker

from gateway.config import Config
from gateway.errors import NotFound
from gateway.store.db import make_engine, make_sessions


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
        if not inspect(self.engine).has_table("meta"):
            raise NotFound("the store is not initialised: run `rostergate init` first")
        return make_sessions(self.engine)

    def close(self) -> None:
        """Release the store's connections."""
        if "engine" in self.__dict__:
            self.engine.dispose()
