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
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


def family_of(host: str) -> socket.AddressFamily:
    """IPv4 or IPv6, as the host address is written (0.0.0.0, ::, a name)."""
    try:
        return socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)[0][0]
    except socket.gaierror:
        return socket.AF_INET


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(family_of(host)) as s:
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

    def __init__(self, host: str, port: int, backend_ports: list[int], alive: Callable[[int], bool] | None = None):
        self.address_family = family_of(host)
        self.backend_ports = list(backend_ports)
        self.alive = alive or (lambda port: True)  # a server that has stopped gets no new pages
        self._next = itertools.cycle(self.backend_ports)
        self._lock = threading.Lock()
        self.sent = dict.fromkeys(self.backend_ports, 0)  # visitors sent to each server
        super().__init__((host, port), _Redirect)

    def pick(self) -> int:
        with self._lock:
            for _ in self.backend_ports:
                port = next(self._next)
                if self.alive(port):
                    break
            self.sent[port] += 1
            return port


def wait_until_answering(host: str, ports: list[int], seconds: float) -> list[int]:
    """The ports that accept a connection within ``seconds`` (servers starting)."""
    target = "127.0.0.1" if host in ("0.0.0.0", "") else "::1" if host == "::" else host
    deadline, waiting = time.monotonic() + seconds, list(ports)
    while waiting and time.monotonic() < deadline:
        for port in list(waiting):
            try:
                with socket.create_connection((target, port), timeout=1.0) as s:
                    # a port in the ephemeral range with nobody listening can connect to
                    # itself (source port = destination port): that is no server
                    if s.getsockname() != s.getpeername():
                        waiting.remove(port)
            except OSError:
                pass
        if waiting:
            time.sleep(0.3)
    return waiting


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
