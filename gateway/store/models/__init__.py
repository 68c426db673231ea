"""The store's tables as SQLAlchemy 2 typed models, one module per cluster of entities.

Schema changes go through Alembic (``gateway/store/migrations``); these models
are what the migrations build, and what the snapshot and writer query. Every name
is re-exported here, so ``from gateway.store import models as m`` sees them all.
"""

from __future__ import annotations

from gateway.store.models.accounts import Account, Outbox, PendingPerson
from gateway.store.models.auth import (
    Admin,
    AdminToken,
    AuditEntry,
    OAuthClient,
    OAuthToken,
    WebSession,
)
from gateway.store.models.base import NAMING, Base, Meta
from gateway.store.models.hierarchy import Group, Node, SchoolSetting, SettingsPreset
from gateway.store.models.links import REMOVED, GuardianLink, Membership, Placement
from gateway.store.models.profiles import Profile, ProfileValue, RoleMatch
from gateway.store.models.runs import Change, ColumnMapping, ImportRun, RunIssue
from gateway.store.models.sources import Firing, Source, SourceWindow

__all__ = [
    "NAMING",
    "REMOVED",
    "Account",
    "Admin",
    "AdminToken",
    "AuditEntry",
    "Base",
    "Change",
    "ColumnMapping",
    "Firing",
    "Group",
    "GuardianLink",
    "ImportRun",
    "Membership",
    "Meta",
    "Node",
    "OAuthClient",
    "OAuthToken",
    "Outbox",
    "PendingPerson",
    "Placement",
    "Profile",
    "ProfileValue",
    "RoleMatch",
    "RunIssue",
    "SchoolSetting",
    "SettingsPreset",
    "Source",
    "SourceWindow",
    "WebSession",
]
