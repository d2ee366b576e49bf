"""The test servers never print a traceback from a handler thread (see tests/support/httpd.py)."""

import socket
import urllib.request
from http.server import BaseHTTPRequestHandler

import pytest

from tests.support.httpd import base_url, serving


class _Failing(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.endswith("/hangup"):
            raise BrokenPipeError(32, "Broken pipe")
        raise ValueError("the handler broke")

    def log_message(self, *args: object) -> None:
        pass


def _get(url: str) -> None:
    with pytest.raises((OSError, urllib.error.URLError)):
        urllib.request.urlopen(url, timeout=2)


def test_a_client_that_hung_up_is_not_reported(capfd: pytest.CaptureFixture[str]) -> None:
    with serving(_Failing) as httpd:
        _get(base_url(httpd, "/hangup"))
    assert capfd.readouterr().err == ""


def test_a_handler_error_is_one_line_without_a_traceback(capfd: pytest.CaptureFixture[str]) -> None:
    with serving(_Failing) as httpd:
        _get(base_url(httpd, "/boom"))
    err = capfd.readouterr().err
    assert err == "test server: ValueError: the handler broke\n"
    assert "Traceback" not in err


def test_the_port_is_free_after_the_block() -> None:
    with serving(_Failing) as httpd:
        port = httpd.server_address[1]
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))
