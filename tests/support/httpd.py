"""A local HTTP server for tests that stand in for Slack.

Python 3.11's traceback printer parses source with `ast` to place its carets, and the `ast`
module's recursion counter is shared between threads (CPython gh-106905, fixed in 3.12.1/3.11.9).
A handler thread printing a traceback while a test parses source raises `SystemError: AST
constructor recursion depth mismatch` in the test. So handler errors are written as one line, and
a client that hung up before the answer (as timeout tests make it do) is not an error at all.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            return  # the client gave up first, which is what timeout tests ask of it
        sys.stderr.write(f"test server: {type(error).__name__}: {error}\n")


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[QuietServer]:
    """Serve on a free port until the block ends, then stop and close the socket."""
    httpd = QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def base_url(httpd: ThreadingHTTPServer, path: str = "/api/") -> str:
    return f"http://127.0.0.1:{httpd.server_address[1]}{path}"
