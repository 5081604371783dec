"""Hostile corpus, network area (``net_``): projects whose basemap names a tile
source, and tile servers that answer badly.

No case may make SahelGIS contact a server because a file said so. Each project
case is opened with ``load_project`` and run through ``sahelgis --snapshot`` and
``sahelgis export`` in this process, with the tile fetcher wrapped so that any
request is recorded (and any non-loopback one refused): the checks assert that
there was none. Loopback cases start a ``TileServer`` on 127.0.0.1 inside the
check and count its requests. Settings and the tile cache are isolated in the
check's scratch folder.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import tracemalloc
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tests.hardening.hostile import HostileCase

LOOPBACK_PLACEHOLDER_PORT = 9  # discard: nothing listens; replaced in the checks


# -- helpers ----------------------------------------------------------------------
def _write_project(folder: Path, basemap: object) -> Path:
    """A small project (no layers, viewing Bamako) whose basemap state is given."""
    from sahelgis.io.project_file import save_project
    from sahelgis.model import crs
    from sahelgis.model.project import Project

    project = Project()
    project.view_extent = crs.lonlat_box_to_display((-8.1, 12.5, -7.9, 12.7))
    project.extra_state["basemap"] = basemap
    return save_project(project, folder / "basemap.gpkg")


def _project_case(basemap: object) -> Callable[[Path, random.Random], Path]:
    def build(folder: Path, rng: random.Random) -> Path:
        return _write_project(folder, basemap)

    return build


@contextlib.contextmanager
def _isolated(scratch: Path) -> Iterator[list[str]]:
    """Settings and tile cache in ``scratch``; every tile request recorded
    (non-loopback ones refused, never sent)."""
    from PySide6.QtCore import QSettings

    from sahelgis.io import tiles

    calls: list[str] = []
    real_get = tiles._guarded_get

    def guarded(url: str, **kwargs: Any) -> Any:
        if tiles._request.canned is None and tiles._request.network:
            calls.append(url)
            host = urllib.parse.urlsplit(url).hostname or ""
            if host not in ("127.0.0.1", "localhost", "::1"):
                raise tiles.TileUnavailable(url, "refused by the corpus", "network")
        return real_get(url, **kwargs)

    old_cache = os.environ.get("SAHELGIS_TILE_CACHE")
    os.environ["SAHELGIS_TILE_CACHE"] = str(scratch / "tiles")
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(scratch / "settings"))
    tiles._guarded_get = guarded
    try:
        yield calls
    finally:
        tiles._guarded_get = real_get
        if old_cache is None:
            os.environ.pop("SAHELGIS_TILE_CACHE", None)
        else:
            os.environ["SAHELGIS_TILE_CACHE"] = old_cache


def _run(argv: list[str]) -> tuple[int, str, str]:
    """``sahelgis.cli.main(argv)``: exit code, stdout, stderr."""
    from sahelgis.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def _settle() -> None:
    """Give background tile threads time to send a (wrong) request."""
    from PySide6.QtTest import QTest

    QTest.qWait(200)


def _headless(path: Path, scratch: Path) -> tuple[str, str]:
    """Snapshot and export the project; both succeed. Returns their outputs."""
    code, snap_out, snap_err = _run(
        ["--snapshot", str(scratch / "snap.png"), "--size", "480x320", str(path)]
    )
    assert code == 0, snap_err
    code, exp_out, exp_err = _run(
        ["export", str(path), "-o", str(scratch / "fig.png"), "--dpi", "30"]
    )
    assert code == 0, exp_err
    _settle()
    return snap_out + exp_out, snap_err + exp_err


def _refused(key: str) -> Callable[[Path, Path], None]:
    """Opens without online tiles; snapshot and export succeed, request nothing
    and warn in one line naming the file and ``key``."""

    def check(path: Path, scratch: Path) -> None:
        from sahelgis.io.project_file import load_project
        from sahelgis.io.tile_providers import read_basemap_state

        with _isolated(scratch) as calls:
            project = load_project(path)
            state = project.extra_state.get("basemap")
            provider, problem = read_basemap_state(state, path.name)
            assert provider is None
            out, err = _headless(path, scratch)
        assert calls == []
        if state is not None:  # (the project schema may already drop it)
            assert problem.startswith(f"{path.name}: {key}"), problem
            assert "\n" not in problem
            assert len(problem) < 400
            warnings = [line for line in err.splitlines() if "warning" in line]
            assert warnings, err
            assert all(f"{path.name}: {key}" in line for line in warnings)
            assert all(len(line) < 450 for line in warnings)
        assert "were not fetched" not in out

    return check


def _with_server_url(path: Path, scratch: Path, url: str) -> Path:
    """The built project with its basemap URL pointed at a live local server."""
    from sahelgis.io.project_file import load_project, save_project

    project = load_project(path)
    state = dict(project.extra_state["basemap"])
    state["url"] = url
    project.extra_state["basemap"] = state
    return save_project(project, scratch / "live.gpkg")


def _check_loopback(path: Path, scratch: Path) -> None:
    from sahelgis.io.project_file import load_project
    from sahelgis.io.tile_providers import read_basemap_state
    from tests.tile_servers import TileServer

    server = TileServer()
    try:
        with _isolated(scratch) as calls:
            provider, problem = read_basemap_state(
                load_project(path).extra_state.get("basemap"), path.name
            )
            assert problem == ""
            assert provider is not None
            assert provider.from_file
            live = _with_server_url(path, scratch, server.url)
            out, _ = _headless(live, scratch)
        assert server.requests == []
        assert calls == []
        host = f"127.0.0.1:{server.port}"
        notes = [line for line in out.splitlines() if line.startswith("wrote")]
        assert len(notes) == 2
        assert all(f"online tiles from {host} were not fetched" in n for n in notes)
    finally:
        server.stop()


def _check_credentials(path: Path, scratch: Path) -> None:
    from tests.tile_servers import TileServer

    server = TileServer()
    try:
        url = f"http://analyst:s3cret@127.0.0.1:{server.port}/{{z}}/{{x}}/{{y}}.png"
        live = _with_server_url(path, scratch, url)
        _refused("basemap.url")(live, scratch)
        from sahelgis.io.project_file import load_project
        from sahelgis.io.tile_providers import read_basemap_state

        problem = read_basemap_state(
            load_project(live).extra_state.get("basemap"), live.name
        ).problem
        assert "user name or password" in problem
        assert "s3cret" not in problem
        assert server.requests == []
    finally:
        server.stop()


def _check_builtin_from_file(path: Path, scratch: Path) -> None:
    from sahelgis.io.project_file import load_project
    from sahelgis.io.tile_providers import read_basemap_state

    with _isolated(scratch) as calls:
        provider, problem = read_basemap_state(
            load_project(path).extra_state.get("basemap"), path.name
        )
        assert problem == ""
        assert provider is not None
        assert provider.from_file
        out, _ = _headless(path, scratch)
    assert calls == []  # never contacted, not even tried
    assert out.count("online tiles from tile.openstreetmap.org were not fetched") == 2


# -- tile servers that answer badly -------------------------------------------------
def _server_spec(spec: dict[str, Any]) -> Callable[[Path, random.Random], Path]:
    def build(folder: Path, rng: random.Random) -> Path:
        path = folder / "tile_server.json"
        path.write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
        return path

    return build


@contextlib.contextmanager
def _spec_server(spec: dict[str, Any]) -> Iterator[str]:
    """A 127.0.0.1 server answering as the spec says; yields its tile URL."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if spec.get("redirect"):
                self.send_response(302)
                self.send_header("Location", spec["redirect"])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            if "content_length" in spec:
                self.send_header("Content-Length", str(spec["content_length"]))
            self.end_headers()
            chunk = b"\x89PNG\r\n\x1a\n" + b"\0" * 65_528
            with contextlib.suppress(OSError):  # the client hangs up
                for _ in range(int(spec.get("chunks", 1))):  # bounded
                    self.wfile.write(chunk)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/{{z}}/{{x}}/{{y}}.png"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _refused_answer(match: str) -> Callable[[Path, Path], None]:
    """The user's own provider asks the bad server: the answer is refused
    (TileUnavailable naming why) within the timeout, holding little memory."""

    def check(path: Path, scratch: Path) -> None:
        from sahelgis.io import tile_providers, tiles

        spec = json.loads(path.read_text(encoding="utf-8"))
        cache = tiles.TileCache(scratch / "tiles")
        with _spec_server(spec) as url:
            provider = tile_providers.custom_provider(url, "")
            tracemalloc.start()
            try:
                tiles.fetch_tile(provider, 3, 1, 1, cache, (1.0, 1.5))
            except tiles.TileUnavailable as exc:
                error = str(exc)
            else:
                error = ""
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        assert match in error, error
        assert peak < 3 * tiles.MAX_TILE_BYTES
        assert cache.stats().tiles == 0

    return check


CUSTOM = "custom-0123456789"


def _custom(url: str, **extra: Any) -> dict[str, Any]:
    return {"provider": CUSTOM, "name": "Tiles", "attribution": "", "url": url} | extra


CASES: list[HostileCase] = [
    HostileCase(
        "net_file_dev_zero",
        "project",
        "opens without tiles; snapshot/export warn 'basemap.url: file: tile URLs are "
        "accepted only inside the tile cache' and read nothing",
        _project_case(_custom("file:///dev/zero?{z}/{x}/{y}")),
        _refused("basemap.url"),
    ),
    HostileCase(
        "net_file_etc_passwd",
        "project",
        "opens without tiles; one-line warning naming basemap.url; nothing read",
        _project_case(_custom("file:///etc/passwd#{z}{x}{y}")),
        _refused("basemap.url"),
    ),
    HostileCase(
        "net_ftp_url",
        "project",
        "opens without tiles; warning 'basemap.url: must start with http:// or "
        "https://'; no request",
        _project_case(_custom("ftp://127.0.0.1/{z}/{x}/{y}.png")),
        _refused("basemap.url"),
    ),
    HostileCase(
        "net_gopher_url",
        "project",
        "opens without tiles; one-line warning naming basemap.url; no request",
        _project_case(_custom("gopher://127.0.0.1:70/1{z}/{x}/{y}")),
        _refused("basemap.url"),
    ),
    HostileCase(
        "net_data_url",
        "project",
        "opens without tiles; one-line warning naming basemap.url",
        _project_case(_custom("data:image/png;base64,iVBORw0KGgo={z}{x}{y}")),
        _refused("basemap.url"),
    ),
    HostileCase(
        "net_loopback_http",
        "project",
        "opens; snapshot and export make zero requests to the 127.0.0.1 server and "
        "say 'online tiles from HOST were not fetched'",
        _project_case(
            _custom(
                f"http://127.0.0.1:{LOOPBACK_PLACEHOLDER_PORT}/{{z}}/{{x}}/{{y}}.png"
            )
        ),
        _check_loopback,
    ),
    HostileCase(
        "net_url_credentials",
        "project",
        "opens without tiles; warning 'basemap.url: must not carry a user name or "
        "password' without repeating it; zero requests",
        _project_case(
            _custom(
                f"http://user:pass@127.0.0.1:{LOOPBACK_PLACEHOLDER_PORT}/{{z}}/{{x}}/{{y}}"
            )
        ),
        _check_credentials,
    ),
    HostileCase(
        "net_url_100kb",
        "project",
        "opens without tiles; one short line naming basemap.url (too long)",
        _project_case(_custom("https://127.0.0.1/{z}/{x}/{y}.png?" + "A" * 100_000)),
        _refused("basemap.url"),
    ),
    HostileCase(
        "net_template_without_z",
        "project",
        "opens without tiles; warning 'basemap.url: the tile URL needs {z}'",
        _project_case(_custom("https://127.0.0.1/{x}/{y}.png")),
        _refused("basemap.url"),
    ),
    HostileCase(
        "net_host_markup",
        "project",
        "opens without tiles; warning 'basemap.url: needs a plain host name' (a host "
        "of markup never reaches a widget)",
        _project_case(_custom('http://<img src="/dev/zero">/{z}/{x}/{y}')),
        _refused("basemap.url"),
    ),
    HostileCase(
        "net_wrong_types",
        "project",
        "opens without tiles; warning naming basemap.max_zoom (a string, not an int)",
        _project_case(
            {
                "provider": CUSTOM,
                "url": "https://x.invalid/{z}/{x}/{y}",
                "max_zoom": "9",
            }
        ),
        _refused("basemap.max_zoom"),
    ),
    HostileCase(
        "net_provider_not_text",
        "project",
        "opens without tiles; warning naming basemap.provider (a list)",
        _project_case({"provider": ["osm"], "url": 5}),
        _refused("basemap.provider"),
    ),
    HostileCase(
        "net_builtin_osm_from_file",
        "project",
        "opens; the OpenStreetMap basemap named by the file is not fetched until the "
        "user allows tile.openstreetmap.org; headless runs say so",
        _project_case({"provider": "osm"}),
        _check_builtin_from_file,
    ),
    HostileCase(
        "net_endless_tile_body",
        "tiles",
        "a tile answer without end is refused past 4 MB (TileUnavailable), memory "
        "stays under 12 MB",
        _server_spec({"chunks": 1024}),
        _refused_answer("larger than 4,194,304 bytes"),
    ),
    HostileCase(
        "net_huge_content_length",
        "tiles",
        "an answer announcing 1 GB is refused before reading it",
        _server_spec({"chunks": 1, "content_length": 1 << 30}),
        _refused_answer("announces 1,073,741,824 bytes"),
    ),
    HostileCase(
        "net_redirect_to_file",
        "tiles",
        "a redirect to file:///etc/passwd is refused, nothing read",
        _server_spec({"redirect": "file:///etc/passwd"}),
        _refused_answer("redirect to another host refused"),
    ),
]
