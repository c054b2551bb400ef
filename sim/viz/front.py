"""The classroom's front door for ``migsim viz --servers N``: one address for
the class, several app servers behind it.

One Solara server is one Python process, so it simulates on one core whatever
the machine has. With N servers (each its own process, on the next N ports),
the front door answers every new visitor with a redirect to one of them in
turn; from then on the page, its live connection and any reconnection stay
with that server, so a student's simulation lives in one place.
"""

from __future__ import annotations

import itertools
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


def port_is_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def backend_address(host_header: str | None, fallback_host: str, port: int) -> str:
    """The address of a back server as the visitor reaches this machine: the host
    they typed (from the Host header), with the back server's port."""
    host = urlsplit(f"//{host_header}").hostname if host_header else None
    host = host or fallback_host
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    return f"http://{host}:{port}"


class FrontDoor(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str, port: int, backend_ports: list[int]):
        self.backend_ports = list(backend_ports)
        self._next = itertools.cycle(self.backend_ports)
        self._lock = threading.Lock()
        self.sent = dict.fromkeys(self.backend_ports, 0)  # visitors sent to each server
        super().__init__((host, port), _Redirect)

    def pick(self) -> int:
        with self._lock:
            port = next(self._next)
            self.sent[port] += 1
            return port


class _Redirect(BaseHTTPRequestHandler):
    server: FrontDoor

    def do_GET(self):
        port = self.server.pick()
        self.send_response(307)
        self.send_header("Location", backend_address(self.headers.get("Host"), self.server.server_address[0], port) + self.path)
        self.send_header("Cache-Control", "no-store")  # the next visitor must ask again
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_HEAD = do_GET

    def log_message(self, format, *args):  # a visit is not news
        pass
