"""Data access: paper queries and records, tag operations, the merge writer, the change feed.

``Store`` (``app.store.store``) is loaded on first use, so that the light modules here
(``changes``, ``filters``) can be imported without the database stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.store.store import Store

__all__ = ["Store"]


def __getattr__(name: str) -> Any:
    if name == "Store":
        from app.store.store import Store

        return Store
    raise AttributeError(f"module 'app.store' has no attribute {name!r}")
