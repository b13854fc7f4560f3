"""``CitationDoors``: the ``Library`` facade's citation and kept-export methods (issue 12),
kept here so the facade stays small. Mixed into :class:`app.library.Library`; each method is
a thin door to :mod:`app.export.keys` or :mod:`app.export.kept` (imported when first used:
opening a library never loads the export writers)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.store.changes import Changes
    from app.store.store import Store

T = TypeVar("T")


class CitationDoors:
    store: Store

    def require(self, ids: Sequence[int]) -> list[int]:  # the facade's
        raise NotImplementedError

    def _write(self, fn: Callable[[Session], T]) -> tuple[T, Changes]:  # the facade's
        raise NotImplementedError

    def citation_keys(self, ids: Sequence[int]) -> dict[int, str]:
        """The papers' citation keys, making the missing ones (stored; no feed row)."""
        from app.export import keys

        return keys.keys_of(self.store, list(ids))

    def make_citation_keys(self, ids: Sequence[int]) -> None:
        """Make the keys ``ids`` lack; a read only, when none is missing."""
        from app.export import keys

        keys.make_missing(self.store, ids)

    def set_citation_key(self, paper_id: int, key: str) -> Changes:
        """Give a paper its citation key (validated, unique); an ``edit`` change."""
        from app.export import keys

        self.require([paper_id])
        return self._write(lambda s: keys.set_key(s, paper_id, key))[1]

    def keep_export(self, path: str | Path, fmt: str, selection: Any, options: Any) -> Any:
        """Write ``path`` now and keep it up to date (``app.export.kept.Binding``)."""
        from app.export import kept

        return kept.keep(self, path, fmt, selection, options)

    def kept_exports(self) -> list[Any]:
        from app.export import kept

        return kept.bindings(self)

    def remove_kept_export(self, path: str | Path) -> bool:
        from app.export import kept

        return kept.remove(self, path)

    def refresh_kept_exports(self) -> Any:
        """Rewrite the kept exports whose output changed (``kept.Refreshed``)."""
        from app.export import kept

        return kept.refresh(self)

    def has_kept_exports(self) -> bool:
        from app.export import kept

        return kept.has_bindings(self)
