"""Local tile servers for the tile tests: they listen on 127.0.0.1 only, are
bounded in time and stop themselves."""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def png(
    draw: Callable | None = None, color: tuple[int, int, int] = (200, 220, 200)
) -> bytes:
    """A 256 px PNG tile of one colour, optionally drawn on (Pillow ImageDraw)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (256, 256), color)
    if draw is not None:
        draw(ImageDraw.Draw(image))
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


class TileServer:
    """XYZ tiles on 127.0.0.1 (a thread): ``tile(z, x, y) -> bytes``, or one
    ``body`` for every request with a given HTTP ``status``; counts requests."""

    def __init__(
        self,
        tile: Callable[[int, int, int], bytes] | None = None,
        body: bytes | None = None,
        status: int = 200,
    ) -> None:
        body = png() if body is None else body
        self.tile = tile or (lambda z, x, y: body)
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                z, x, y = (int(p.split(".")[0]) for p in self.path.split("/")[1:4])
                data = server.tile(z, x, y)
                self.send_response(status)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/{{z}}/{{x}}/{{y}}.png"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, args=(0.05,), daemon=True
        )
        self.thread.start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.running = False
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join(2)


class BlackHole:
    """Accepts TCP connections on 127.0.0.1 and never replies; stops itself."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/{{z}}/{{x}}/{{y}}.png"
        self.held: list[socket.socket] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        deadline = time.monotonic() + 20  # bounded even if stop() is never called
        while not self.stopping.is_set() and time.monotonic() < deadline:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.held.append(conn)

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(2)
        for conn in self.held:
            conn.close()
        self.sock.close()


def closed_port_url() -> str:
    """A URL on a port nothing listens on: the connection is refused at once."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png"
