"""A local stand-in for ACLED's API (token sign-in, paged reads, deletions).

It answers on 127.0.0.1 at a random port as ACLED documents its API since
2025: ``POST /oauth/token`` (form: username, password, grant_type=password or
refresh_token, client_id=acled), ``GET /api/acled/read`` (Bearer token;
country, event_date BETWEEN, timestamp >=, limit, page) and
``GET /api/deleted/read`` (deleted_timestamp >=). ``fail`` makes a path answer
badly: an HTTP status, ``"hang"`` (never answers), ``"bad-json"``,
``"endless"`` (every page full) or ``"wrong-types"``.

Every event it serves is SYNTHETIC (made up here from a seed), never ACLED data.
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

EMAIL = "analyst@example.org"
PASSWORD = "correct horse battery staple"
BASE_TIMESTAMP = 1_700_000_000

TOWNS = [
    ("Nara", -7.28571, 15.16846),
    ("Banamba", -7.44889, 13.54935),
    ("Kati", -8.07183, 12.74409),
]
TYPES = [
    ("Battles", "Armed clash"),
    ("Violence against civilians", "Attack"),
    ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
]


def synthetic_row(
    i: int,
    rng: random.Random,
    *,
    country: str = "Mali",
    timestamp: int | None = None,
    version: int = 0,
) -> dict[str, str]:
    """One made-up event as ACLED's API sends rows (every value text)."""
    town, lon, lat = TOWNS[i % len(TOWNS)]
    event_type, sub = TYPES[rng.randrange(len(TYPES))]
    year = 2023 + rng.randrange(2)
    day = f"{year}-{1 + rng.randrange(12):02d}-{1 + rng.randrange(28):02d}"
    return {
        "event_id_cnty": f"SYN{i:05d}",
        "event_date": day,
        "year": str(year),
        "time_precision": "1",
        "disorder_type": "Political violence",
        "event_type": event_type,
        "sub_event_type": sub,
        "actor1": "SYNTHETIC actor A",
        "assoc_actor_1": "",
        "inter1": "Rebel group",
        "actor2": "SYNTHETIC actor B",
        "assoc_actor_2": "",
        "inter2": "State forces",
        "interaction": "State forces-Rebel group",
        "civilian_targeting": "",
        "iso": "466" if country == "Mali" else "562",
        "region": "Western Africa",
        "country": country,
        "admin1": "Koulikoro",
        "admin2": "",
        "admin3": "",
        "location": town,
        "latitude": f"{lat + 0.001 * rng.randrange(100):.4f}",
        "longitude": f"{lon + 0.001 * rng.randrange(100):.4f}",
        "geo_precision": "1",
        "source": "SYNTHETIC test data",
        "source_scale": "Local partner",
        "notes": f"[SYNTHETIC] test event {i} v{version}",
        "fatalities": str(rng.randrange(5)),
        "tags": "",
        "timestamp": str(timestamp if timestamp is not None else BASE_TIMESTAMP + i),
    }


def synthetic_rows(n: int, seed: int = 1, **kwargs: Any) -> list[dict[str, str]]:
    rng = random.Random(seed)
    return [synthetic_row(i, rng, **kwargs) for i in range(n)]


@dataclass
class FakeAcled:
    """State of the fake API: accounts, events, deletions, failures, requests."""

    events: list[dict[str, str]] = field(default_factory=list)
    deleted: list[dict[str, Any]] = field(default_factory=list)
    users: dict[str, str] = field(default_factory=lambda: {EMAIL: PASSWORD})
    fail: dict[str, Any] = field(default_factory=dict)  # path -> status or mode
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    expires_in: int = 86_400
    url: str = ""
    release: threading.Event = field(default_factory=threading.Event)

    def filtered(self, params: dict[str, str]) -> list[dict[str, str]]:
        rows = self.events
        if "country" in params:
            wanted = set(params["country"].split("|"))
            rows = [r for r in rows if r["country"] in wanted]
        if "event_date" in params and params.get("event_date_where") == "BETWEEN":
            start, end = params["event_date"].split("|")
            rows = [r for r in rows if start <= r["event_date"] <= end]
        if "timestamp" in params and params.get("timestamp_where") == ">=":
            since = int(params["timestamp"])
            rows = [r for r in rows if int(r["timestamp"]) >= since]
        return sorted(rows, key=lambda r: r["event_id_cnty"])


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, body: object, raw: bytes | None = None) -> None:
        data = raw if raw is not None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if status == 429:
            self.send_header("Retry-After", "30")
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(data)

    def _failure(self, path: str) -> bool:
        mode = self.server.api.fail.get(path)
        if mode is None:
            return False
        if mode == "hang":
            self.server.api.release.wait(10)
            return True
        if isinstance(mode, int):
            self._send(mode, {"success": False, "error": f"status {mode}"})
            return True
        return False

    def do_POST(self) -> None:
        api = self.server.api
        length = int(self.headers.get("Content-Length", "0"))
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        api.requests.append(
            ("POST", self.path, {k: v for k, v in form.items() if k != "password"})
        )
        if self.path != "/oauth/token":
            self._send(404, {"error": "not found"})
            return
        if self._failure("/oauth/token"):
            return
        if form.get("client_id") != "acled":
            self._send(400, {"error": "invalid_client"})
            return
        grant = form.get("grant_type")
        if grant == "password":
            ok = api.users.get(form.get("username", "")) == form.get("password")
        elif grant == "refresh_token":
            ok = form.get("refresh_token", "").startswith("refresh-")
        else:
            ok = False
        if not ok:
            self._send(
                401, {"error": "invalid_grant", "error_description": "bad credentials"}
            )
            return
        token = f"token-{len(api.tokens)}"
        api.tokens.add(token)
        self._send(
            200,
            {
                "token_type": "Bearer",
                "expires_in": api.expires_in,
                "access_token": token,
                "refresh_token": f"refresh-{token}",
            },
        )

    def do_GET(self) -> None:
        api = self.server.api
        parts = urllib.parse.urlsplit(self.path)
        params = dict(urllib.parse.parse_qsl(parts.query))
        api.requests.append(("GET", parts.path, params))
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in api.tokens:
            self._send(401, {"error": "unauthorised"})
            return
        if self._failure(parts.path):
            return
        mode = api.fail.get(parts.path + ":mode")
        limit = int(params.get("limit", "5000"))
        page = int(params.get("page", "1"))
        if mode == "bad-json":
            self._send(200, None, raw=b'{"success": true, "data": [{"event_id')
            return
        if mode == "deep-json":
            self._send(200, None, raw=b"[" * 100_000 + b"]" * 100_000)
            return
        if mode == "endless":
            rows = [
                dict(api.events[0], event_id_cnty=f"E{page}-{i}") for i in range(limit)
            ]
            self._send(
                200, {"status": 200, "success": True, "count": 10**12, "data": rows}
            )
            return
        if mode == "wrong-types":
            self._send(
                200,
                {
                    "status": 200,
                    "success": True,
                    "data": [{"event_id_cnty": "X1", "tags": ["a"]}],
                },
            )
            return
        if parts.path == "/api/acled/read":
            rows = api.filtered(params)
        elif parts.path == "/api/deleted/read":
            since = int(params.get("deleted_timestamp", "0"))
            rows = [d for d in api.deleted if int(d["deleted_timestamp"]) >= since]
        else:
            self._send(404, {"error": "not found"})
            return
        chunk = rows[(page - 1) * limit : page * limit]
        self._send(
            200, {"status": 200, "success": True, "count": len(chunk), "data": chunk}
        )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    api: FakeAcled


@contextlib.contextmanager
def fake_acled(api: FakeAcled | None = None) -> Iterator[FakeAcled]:
    """Serve ``api`` on 127.0.0.1 (random port) for the ``with`` block."""
    api = api or FakeAcled()
    server = _Server(("127.0.0.1", 0), _Handler)
    server.api = api
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield api
    finally:
        api.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)
