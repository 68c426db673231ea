"""Pull credentials at rest: Fernet-encrypted with the site's secret key, never shown.

The key comes from ``$ROSTERGATE_SECRET_KEY`` or the config's ``secret_key`` (a Fernet key,
``python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"``).
"""

from __future__ import annotations

import os

from cryptography.fernet import Fernet, InvalidToken

from gateway.config import Config
from gateway.errors import UsageError

ENV = "ROSTERGATE_SECRET_KEY"
HOW = (
    'generate one with: python -c "from cryptography.fernet import Fernet; '
    'print(Fernet.generate_key().decode())"'
)


def _fernet(config: Config) -> Fernet:
    """The site's Fernet; a one-line UsageError when there is no key or it is no Fernet key."""
    key = os.environ.get(ENV) or config.secret_key
    if not key:
        raise UsageError(f"pull credentials need a secret key: set {ENV} or secret_key; {HOW}")
    try:
        return Fernet(key.encode())
    except ValueError:
        raise UsageError(f"{ENV} / secret_key is not a Fernet key; {HOW}") from None


def encrypt(config: Config, secret: str) -> str:
    """A secret encrypted for storage."""
    return _fernet(config).encrypt(secret.encode()).decode()


def decrypt(config: Config, token: str) -> str:
    """A stored secret in the clear (for the request that needs it, nothing else)."""
    try:
        return _fernet(config).decrypt(token.encode()).decode()
    except InvalidToken:
        raise UsageError(
            "a pull credential cannot be decrypted with this secret key: was the key changed? "
            "give the credential again (PATCH /api/sources/NAME with its pull)"
        ) from None
