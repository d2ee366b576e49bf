"""What goes over the wire to PostgreSQL: a TCP relay that counts the times the app waited.

SQLAlchemy's events say which statements ran and whether psycopg's pipeline was on, not how
often the app stopped for an answer: psycopg sends a BEGIN and waits before the first
statement, and leaving a pipeline syncs once more. The relay sees the bytes, so it counts
what a submission actually waits for, one wait each time the server answers after the app
has sent something since its last answer."""

from __future__ import annotations

import selectors
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import make_url


class Wire:
    def __init__(self, url: str):
        target = make_url(url)
        self._target = (target.host or "127.0.0.1", target.port or 5432)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = target.set(host="127.0.0.1", port=self._listener.getsockname()[1]).render_as_string(
            hide_password=False
        )
        self.waits = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def __enter__(self) -> Wire:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @contextmanager
    def counting(self) -> Iterator[list[int]]:
        """The waits during the block, as a one-item list filled in when it ends."""
        with self._lock:
            start = self.waits
        counted: list[int] = []
        yield counted
        with self._lock:
            counted.append(self.waits - start)

    def close(self) -> None:
        self._stop.set()
        self._listener.close()

    def _accept(self) -> None:
        self._listener.settimeout(0.1)
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            server = socket.create_connection(self._target)
            relay = threading.Thread(target=self._relay, args=(client, server), daemon=True)
            relay.start()

    def _relay(self, client: socket.socket, server: socket.socket) -> None:
        spoke = False  # the app sent something the server has not answered yet
        with selectors.DefaultSelector() as selector, client, server:
            selector.register(client, selectors.EVENT_READ, server)
            selector.register(server, selectors.EVENT_READ, client)
            while not self._stop.is_set():
                for key, _ in selector.select(timeout=0.1):
                    source: socket.socket = key.fileobj  # type: ignore[assignment]
                    try:
                        data = source.recv(65536)
                    except OSError:
                        return
                    if not data:
                        return
                    if source is client:
                        spoke = True
                    elif spoke:
                        spoke = False
                        with self._lock:
                            self.waits += 1
                    key.data.sendall(data)
