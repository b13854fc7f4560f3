"""What a committed write changed: the one record every write returns and every view reads.

Modelled on Anki's ``OpChanges``: a few flags and id sets, so that each view decides from
them what to refresh. A ``Changes`` is built from change-feed rows (``from_feed``), so the
window's own writes and other processes' writes look the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

# Feed kinds, grouped by what a view has to refresh.
# ``restore`` (out of the Trash) brings a paper back: a content change for every view.
CONTENT_KINDS = frozenset({"add", "merge", "edit", "restore"})  # the paper's own fields
ANNOTATION_KINDS = frozenset({"tag", "note", "star", "read"})  # the user's marks on it
# ``trash``: the paper leaves every view (as if deleted); the Trash view reads the kinds.
DELETE_KINDS = frozenset({"delete", "trash"})
TAG_META_KINDS = frozenset({"tags", "color"})  # names or colours: library-wide, no paper id


@dataclass(frozen=True)
class Changes:
    """Paper ids by kind of change, plus library-wide flags; empty means nothing changed."""

    content: frozenset[int] = frozenset()
    annotation: frozenset[int] = frozenset()
    deleted: frozenset[int] = frozenset()
    tag_meta: bool = False  # a tag was created, renamed, recoloured, merged or deleted
    everything: bool = False  # too much to list: views reload what they show
    kinds: frozenset[str] = field(default_factory=frozenset)  # the feed kinds seen
    last_seq: int | None = None  # the newest feed row this covers (None: not from the feed)

    @classmethod
    def from_feed(cls, rows: Iterable[tuple[int, int | None, str]]) -> Changes:
        """Group ``(seq, paper_id, kind)`` feed rows."""
        content: set[int] = set()
        annotation: set[int] = set()
        deleted: set[int] = set()
        kinds: set[str] = set()
        tag_meta = False
        last: int | None = None
        for seq, pid, kind in rows:
            kinds.add(kind)
            last = seq if last is None else max(last, seq)
            if kind in TAG_META_KINDS:
                tag_meta = True
            if pid is None:
                continue
            if kind in CONTENT_KINDS:
                content.add(pid)
            elif kind in ANNOTATION_KINDS:
                annotation.add(pid)
            elif kind in DELETE_KINDS:
                deleted.add(pid)
        return cls(
            frozenset(content),
            frozenset(annotation),
            frozenset(deleted),
            tag_meta,
            False,
            frozenset(kinds),
            last,
        )

    @classmethod
    def reload(cls, last_seq: int | None = None) -> Changes:
        """A change too large to list: every view reloads."""
        return cls(everything=True, tag_meta=True, last_seq=last_seq)

    @property
    def paper_ids(self) -> frozenset[int]:
        """Every paper this touches (content, annotations or deletion)."""
        return self.content | self.annotation | self.deleted

    def merge(self, other: Changes) -> Changes:
        """Both changes as one (for coalescing several feed reads)."""
        seqs = [s for s in (self.last_seq, other.last_seq) if s is not None]
        return Changes(
            self.content | other.content,
            self.annotation | other.annotation,
            self.deleted | other.deleted,
            self.tag_meta or other.tag_meta,
            self.everything or other.everything,
            self.kinds | other.kinds,
            max(seqs) if seqs else None,
        )

    def __bool__(self) -> bool:
        return bool(self.everything or self.tag_meta or self.paper_ids)
