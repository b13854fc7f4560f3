"""Terminal-safe output for the command line.

On a terminal, control characters (ESC, BEL, backspace, a lone CR …), C1 controls and the
bidirectional overrides (U+202E …) in user text are shown escaped (``\\x1b``, ``\\u202e``),
so that a title can neither recolour, retitle nor reorder the user's terminal. Output to a
pipe or file is left exact, and JSON (:func:`exact`) is exact everywhere.

Writing standard output can fail (``> /dev/full``, a full disk): that becomes
:class:`OutputError`, one line and exit 2, instead of a traceback at exit.
"""

from __future__ import annotations

import errno
import os
import re
import sys
from collections.abc import Callable
from typing import Any, TextIO

from app.errors import PaperdeskError

# C0 controls but tab and newline; DEL and C1; the bidi embeddings, overrides, isolates and
# marks; lone surrogates (bytes that were not UTF-8, e.g. in a file name).
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_CRLF = "\r\n"
_SURROGATE = re.compile("[\ud800-\udfff]")


class OutputError(PaperdeskError):
    """Standard output could not be written (not a user mistake, but one clear line)."""


def _escape_one(m: re.Match[str]) -> str:
    ch = m.group()
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def _json_escape(m: re.Match[str]) -> str:
    return "\\" + _escape_one(m)


def terminal_safe(text: str) -> str:
    """``text`` with every control, bidi-override and undecodable character escaped
    (a CR directly before a LF is kept: CSV's line ends)."""
    if not _UNSAFE.search(text):
        return text
    parts = text.split(_CRLF)
    return _CRLF.join(_UNSAFE.sub(_escape_one, part) for part in parts)


class SafeStream:
    """A text stream proxy: escapes unsafe characters if ``escape`` (a terminal), and turns
    write failures other than a closed pipe into :class:`OutputError`."""

    def __init__(self, stream: TextIO, escape: bool, json: bool = False) -> None:
        self.stream = stream
        self.escape = escape
        self.json = json
        self.exact: SafeStream = self if json else SafeStream(stream, False, json=True)

    def write(self, text: str) -> int:
        if self.escape:
            shown = terminal_safe(text)
        elif _SURROGATE.search(text):  # a file name's bytes that are not UTF-8: \xNN
            # (in JSON they can only be inside a string: the backslash is escaped there)
            shown = _SURROGATE.sub(_json_escape if self.json else _escape_one, text)
        else:
            shown = text
        self._guard(self.stream.write, shown)
        return len(text)

    def flush(self) -> None:
        self._guard(self.stream.flush)

    def _guard(self, fn: Callable[..., Any], *args: Any) -> None:
        try:
            fn(*args)
        except BrokenPipeError:
            raise
        except OSError as exc:
            _silence(self.stream)
            reason = exc.strerror or os.strerror(exc.errno or errno.EIO)
            raise OutputError(f"cannot write the output: {reason}") from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def _silence(stream: TextIO) -> None:
    """Point the failed stream's descriptor at /dev/null, so that the interpreter's final
    flush of what is still buffered cannot fail again with a traceback."""
    try:
        fd = stream.fileno()
    except (OSError, ValueError, AttributeError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (OSError, ValueError, AttributeError):
        return False


def install() -> Callable[[], None]:
    """Wrap ``sys.stdout`` and ``sys.stderr`` for one command; returns the undo."""
    saved = sys.stdout, sys.stderr
    for stream in saved:
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")  # a lone surrogate never crashes
            except (OSError, ValueError):
                pass
    sys.stdout = SafeStream(saved[0], _isatty(saved[0]))  # type: ignore[assignment]
    sys.stderr = SafeStream(saved[1], _isatty(saved[1]))  # type: ignore[assignment]

    def restore() -> None:
        sys.stdout, sys.stderr = saved

    return restore


def exact(stream: TextIO | None = None) -> TextIO:
    """The stream to write exact output to (JSON): never escaped, write errors still one
    line."""
    stream = stream if stream is not None else sys.stdout
    return getattr(stream, "exact", stream)


def read_note_file(name: str) -> str:
    """A note from a file: a regular file (never a FIFO or device, which could block or
    never end) of at most the note limit, in UTF-8."""
    import stat as stat_

    from app.store.folder import MAX_NOTE_BYTES

    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(name, flags)
    except OSError as exc:
        raise PaperdeskError(f"{name}: cannot read the note: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat_.S_ISREG(info.st_mode):
            raise PaperdeskError(f"{name}: is not a regular file; give a text file for the note")
        if info.st_size > MAX_NOTE_BYTES:
            raise PaperdeskError(
                f"{name}: is too large for a note ({info.st_size // 2**20} MB); a note is at "
                f"most {MAX_NOTE_BYTES // 2**20} MB"
            )
        with os.fdopen(os.dup(fd), "rb") as fh:
            return read_note_stream(fh, name)
    finally:
        os.close(fd)


def read_note_stream(stream: Any, name: str) -> str:
    """At most the note limit of UTF-8 text from a binary stream; more is refused."""
    from app.store.folder import MAX_NOTE_BYTES

    try:
        data = stream.read(MAX_NOTE_BYTES + 1)
    except OSError as exc:
        raise PaperdeskError(f"{name}: cannot read the note: {exc.strerror or exc}") from None
    if len(data) > MAX_NOTE_BYTES:
        raise PaperdeskError(
            f"{name}: the note is too large; a note is at most {MAX_NOTE_BYTES // 2**20} MB"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PaperdeskError(
            f"{name}: the note is not UTF-8 text (undecodable byte at offset {exc.start})"
        ) from None
