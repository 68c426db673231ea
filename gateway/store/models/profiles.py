"""Site profiles, their settings' values and the role words they match."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column

from gateway.store.models.base import Base


class Profile(Base):
    """A site profile; security levels are unique."""

    __tablename__ = "profiles"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    security_level: Mapped[int] = mapped_column(Integer, unique=True)
    hierarchy_role: Mapped[str] = mapped_column(String(30))
    # False: no feed's role may give this profile (the top profile never is, whatever this says).
    feed_assignable: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # What its new accounts get unless an admin says otherwise (gateway.users.passwords).
    password_change: Mapped[str] = mapped_column(String(20), server_default="must_change")
    password_never_expires: Mapped[bool] = mapped_column(Boolean, server_default=false())


class ProfileValue(Base):
    """A profile's value of one setting of the catalogue (mapping/profile_catalogue.csv); a
    setting without a row has the catalogue's default."""

    __tablename__ = "profile_values"
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("profiles.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)


class RoleMatch(Base):
    """An external role word a profile matches, site-wide (source "") or for one source."""

    __tablename__ = "role_matches"
    __table_args__ = (UniqueConstraint("source", "role_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(100))
    role_key: Mapped[str] = mapped_column(String(100))
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
