"""usernames compared without diacritics: username_key folds them (Müller = muller)

Revision ID: username_fold
Revises: admins
"""

from __future__ import annotations

import logging
from collections import Counter

import sqlalchemy as sa
from alembic import op

from mapping.usernames import username_key

revision = "username_fold"
down_revision = "admins"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)

accounts = sa.table(
    "accounts",
    sa.column("id", sa.Integer),
    sa.column("username", sa.String),
    sa.column("username_key", sa.String),
)


def upgrade() -> None:
    """Fold every stored key; two accounts that fold alike keep their old keys (reported)."""
    conn = op.get_bind()
    rows = conn.execute(sa.select(accounts.c.id, accounts.c.username, accounts.c.username_key))
    folded = [(id_, username_key(username), key) for id_, username, key in rows]
    counts = Counter(new for _, new, _ in folded)
    clashes = sorted(new for new, n in counts.items() if n > 1)
    if clashes:
        log.warning("usernames that differ only in diacritics, left as they are: %s", clashes)
    _set_keys(conn, [(id_, new) for id_, new, old in folded if new != old and counts[new] == 1])


def downgrade() -> None:
    """Back to keys that fold case only."""
    conn = op.get_bind()
    rows = conn.execute(sa.select(accounts.c.id, accounts.c.username, accounts.c.username_key))
    _set_keys(conn, [(id_, name.casefold()) for id_, name, key in rows if name.casefold() != key])


def _set_keys(conn: sa.Connection, keys: list[tuple[int, str]]) -> None:
    """Write new username keys by account id."""
    if keys:
        statement = (
            accounts.update()
            .where(accounts.c.id == sa.bindparam("account"))
            .values(username_key=sa.bindparam("key"))
        )
        conn.execute(statement, [{"account": i, "key": k} for i, k in keys])
