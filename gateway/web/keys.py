"""Typed keys for what the app shares with its handlers."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from gateway.auth.scopes import Principal
from gateway.config import Config
from gateway.queue.worker import Workers

config_key = web.AppKey("config", Config)
engine_key = web.AppKey("engine", Engine)
sessions_key = web.AppKey("sessions", sessionmaker[Session])
workers_key = web.AppKey("workers", Workers)
principal_key = web.RequestKey("principal", Principal)
