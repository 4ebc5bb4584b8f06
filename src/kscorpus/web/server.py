"""Running the web reader: bind the socket first (so ``--port 0`` can be printed and a busy port
is a clear error), then serve it with uvicorn until Ctrl-C."""

from __future__ import annotations

import ipaddress
import socket
import threading
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kscorpus.errors import EXIT_USAGE, KscorpusError
from kscorpus.web.app import LOOPBACK_NAMES, create_app
from kscorpus.web.reader import Reader


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only (localhost, 127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a name: whatever it resolves to may be public
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` (0: any free port); a KscorpusError that says
    what to do when the port is taken or the address is not this machine's."""
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        raise KscorpusError(
            f"--host {host!r} is not a known address ({e.strerror})", EXIT_USAGE
        ) from None
    family, kind, proto, _, address = infos[0]
    # the protocol named (IPPROTO_TCP, not 0): asyncio sets TCP_NODELAY on the connections
    # only then, and without it every response after a keep-alive connection's first waited
    # ~40 ms for the client's delayed ACK (Nagle) between its headers and body
    sock = socket.socket(family, kind, proto or socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(128)
    except OSError as e:
        sock.close()
        hint = (
            "; choose another with --port, or --port 0 for any free port" if e.errno == 98 else ""
        )
        raise KscorpusError(
            f"cannot listen on {host} port {port}: {e.strerror}{hint}", EXIT_USAGE
        ) from None
    return sock


def address_url(sock: socket.socket, host: str) -> str:
    """The URL a browser on this machine opens for the bound socket."""
    port = sock.getsockname()[1]
    shown = host if host not in ("0.0.0.0", "::", "") else "127.0.0.1"
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


@dataclass
class Served:
    """A server running in a thread of this process (for tests and the benchmark)."""

    url: str
    server: Any
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _server(reader: Reader, sock: socket.socket, loopback: bool) -> Any:
    import uvicorn

    app = create_app(reader, LOOPBACK_NAMES if loopback else None)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    return uvicorn.Server(config)


def serve(
    reader: Reader,
    host: str,
    port: int,
    on_ready: Callable[[str], None],
) -> None:
    """Serve until interrupted; ``on_ready(url)`` once the server accepts connections."""
    sock = bind(host, port)
    url = address_url(sock, host)
    server = _server(reader, sock, is_loopback(host))

    def announce() -> None:
        while not server.started and not server.should_exit:
            threading.Event().wait(0.05)
        if server.started:
            on_ready(url)

    threading.Thread(target=announce, daemon=True).start()
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        reader.close_handle()


def serve_in_thread(reader: Reader, host: str = "127.0.0.1", port: int = 0) -> Served:
    """Start a server in a daemon thread and return once it accepts connections."""
    sock = bind(host, port)
    server = _server(reader, sock, is_loopback(host))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the web server stopped while starting")
        threading.Event().wait(0.02)
    return Served(address_url(sock, host), server, thread)


def open_browser(url: str) -> None:
    """Open ``url`` in the user's browser (in a thread: some browsers block until closed)."""
    threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
