"""The scope rule: which schools a name, path or key given to an admin or a source reaches.

Pure: the store's scopes (``gateway.auth.scopes``) and a run's plan both ask it.
"""

from __future__ import annotations

from collections.abc import Collection


def covers(specs: Collection[str], key: str, name: str, path: str) -> bool:
    """Whether a school answers to one of ``specs``: its key, its path, or its name in any case."""
    if key in specs or path in specs:
        return True
    folded = name.casefold()
    return any(spec.casefold() == folded for spec in specs)
