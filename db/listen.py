"""LISTEN for the change feed's NOTIFY: wakes a team library's client when another member
committed a change (``db.engine.lock_feed`` sends it with every feed append).

The notification carries nothing: the client then reads the feed after its own cursor,
which is gap-safe, so a notification lost while the server was away costs nothing — on
reconnecting, :class:`FeedListener` wakes the client once to catch up.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from db.engine import FEED_CHANNEL, libpq_url

RETRY_S = 0.5  # between attempts to reach a server that went away


class FeedListener:
    """A daemon thread on its own connection: ``wake()`` after every NOTIFY (and after each
    reconnect), ``on_state(True/False)`` when the connection is up or lost."""

    def __init__(
        self,
        url: str,
        wake: Callable[[], None],
        on_state: Callable[[bool], None] | None = None,
    ) -> None:
        self.url = libpq_url(url)
        self.wake = wake
        self.on_state = on_state or (lambda _up: None)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="paperdesk-listen", daemon=True)
        self.connected = threading.Event()

    def start(self) -> FeedListener:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        import psycopg

        up: bool | None = None
        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    self.url, autocommit=True, connect_timeout=5, application_name="paperdesk"
                ) as conn:
                    conn.execute(f"LISTEN {FEED_CHANNEL}")
                    self.connected.set()
                    if up is not True:
                        up = True
                        self.on_state(True)
                    self.wake()  # whatever was committed while we were not listening
                    idle = 0
                    while not self._stop.is_set():
                        woke = False
                        for _note in conn.notifies(timeout=0.25, stop_after=1):
                            woke = True
                        if woke:
                            idle = 0
                            self.wake()
                            continue
                        idle += 1
                        if idle >= 8:  # an idle wait may not see a dropped network: ask
                            idle = 0
                            conn.execute("SELECT 1")
            except psycopg.Error:
                self.connected.clear()
                if up is not False:
                    up = False
                    self.on_state(False)
                self._stop.wait(RETRY_S)
