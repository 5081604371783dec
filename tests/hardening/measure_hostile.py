"""Time and peak memory of ``sahelgis --snapshot`` on every hostile project.

Run from the repository root with the venv's Python (not a test)::

    python tests/hardening/measure_hostile.py [-k SUBSTRING] [--timeout 90]

``--root`` measures another checkout (its cases and its code), e.g. the main
branch against a feature branch; ``--max-memory-mb`` caps each child's address
space so a runaway case fails instead of filling the machine.

Each case of ``tests.hardening.hostile.all_cases()`` whose kind is ``project``
(``--kind`` picks another) is built from its seed into a temporary folder, then
``python -m sahelgis --snapshot OUT.png CASEPATH`` runs in a child process, one
at a time, with this checkout first on ``PYTHONPATH``, ``QT_QPA_PLATFORM=offscreen``
and a fresh ``HOME``, XDG folders and tile cache, so no real settings, recovery
files or caches are read or written.

No network: the child runs in its own empty network namespace
(``unshare -rn``) when the system allows it, and in every case with a
``sitecustomize`` guard that refuses and counts every name lookup and connection
that is not loopback. A project that makes SahelGIS reach for a server shows a
non-zero ``net`` count.

The peak resident memory is the child's own, measured by GNU ``time``
(``/usr/bin/time -f %M``), which forks it from its own small image: a child
exec'ed straight from this process would report at least this process's peak
(Linux carries ``ru_maxrss`` across exec). Without GNU time it falls back to
``os.wait4``, an upper bound. A child still running after the timeout is killed
with its process group and reported as ``timeout``.

Output: one line per case (name, exit code, seconds, peak MB, network attempts,
the child's last output line), then one JSON line with the count, the worst
time and worst peak (with case names), and whether every snapshot stayed under
60 s and 2 GB. The exit status is 0 when all did and none crashed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

#: The checkout measured: its cases and its code (``--root`` changes it).
ROOT = Path(__file__).resolve().parents[2]

#: Limits the issue states for a full ``--snapshot`` of any case.
LIMIT_SECONDS = 60.0
LIMIT_MB = 2048.0
DEFAULT_TIMEOUT_S = 90.0
POLL_S = 0.02

#: Imported first by the child's Python: refuse and count non-loopback traffic.
GUARD = r'''
"""Refuse name lookups and connections that are not loopback (measurement guard)."""
import ipaddress
import os
import socket

_LOG = os.environ.get("SAHELGIS_MEASURE_NET_LOG")
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def _note(what):
    if _LOG:
        with open(_LOG, "a", encoding="utf-8") as handle:
            handle.write(what.replace("\n", " ") + "\n")


def _loopback(host):
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]").split("%")[0]
    if host in _LOCAL_NAMES or host == "":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_getaddrinfo = socket.getaddrinfo


def getaddrinfo(host, *args, **kwargs):
    if not _loopback(host):
        _note(f"lookup {host}")
        raise socket.gaierror(socket.EAI_NONAME, f"refused by measurement: {host}")
    return _getaddrinfo(host, *args, **kwargs)


def _checked(method):
    def wrapper(self, address, *args, **kwargs):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(
            address[0]
        ):
            _note(f"connect {address[0]}:{address[1]}")
            raise OSError(101, f"refused by measurement: {address[0]}")
        return method(self, address, *args, **kwargs)

    return wrapper


socket.getaddrinfo = getaddrinfo
socket.socket.connect = _checked(socket.socket.connect)
socket.socket.connect_ex = _checked(socket.socket.connect_ex)
'''


@dataclass
class Measure:
    """One child run: what it returned, how long, how much memory."""

    name: str
    exit_code: int | None  # None: killed after the timeout
    seconds: float
    peak_mb: float
    net_attempts: int
    last_line: str
    signal: int | None = None  # the signal that ended it, if any
    traceback: bool = False

    @property
    def timed_out(self) -> bool:
        """True when the child was killed after the timeout."""
        return self.exit_code is None


def unshare_works() -> bool:
    """True when ``unshare -rn`` can give a child an empty network namespace."""
    tool = shutil.which("unshare")
    if tool is None:
        return False
    try:
        done = subprocess.run(
            [tool, "-rn", "true"], capture_output=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def child_env(home: Path, guard_dir: Path, net_log: Path) -> dict[str, str]:
    """The child's environment: fresh home and XDG folders, offscreen Qt."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("XDG_", "QT_", "SAHELGIS_"))
        and key.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
        and key not in ("HOME", "PYTHONPATH", "PYTHONSTARTUP", "DISPLAY")
    }
    runtime = home / "runtime"
    for sub in ("config", "data", "cache", "state", "tiles"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_RUNTIME_DIR=str(runtime),
        SAHELGIS_TILE_CACHE=str(home / "tiles"),
        SAHELGIS_MEASURE_NET_LOG=str(net_log),
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=os.pathsep.join([str(guard_dir), str(ROOT)]),
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONFAULTHANDLER="1",
    )
    return env


def run_child(
    command: list[str],
    env: dict[str, str],
    log: Path,
    timeout: float,
    max_memory_mb: float = 0,
) -> tuple[int | None, int | None, float, float]:
    """Run ``command``; return exit code, signal, seconds and peak RSS in MB.

    The exit code is None when the child was killed after ``timeout`` seconds.
    ``max_memory_mb`` > 0 caps the child's address space (``RLIMIT_AS``).
    """

    def cap() -> None:
        if max_memory_mb > 0:
            size = int(max_memory_mb * 2**20)
            resource.setrlimit(resource.RLIMIT_AS, (size, size))

    with log.open("wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            command,
            env=env,
            cwd=env["HOME"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as one
            preexec_fn=cap if max_memory_mb > 0 else None,
        )
        killed = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                break
            if not killed and time.perf_counter() - start > timeout:
                os.killpg(proc.pid, signal.SIGKILL)
                killed = True
            time.sleep(POLL_S)
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    peak_mb = usage.ru_maxrss / 1024  # KiB on Linux
    if killed:
        return None, signal.SIGKILL, seconds, peak_mb
    code = proc.returncode
    return code, (-code if code < 0 else None), seconds, peak_mb


def last_line(text: str) -> str:
    """The child's last non-empty output line, shortened for one row."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    line = lines[-1] if lines else ""
    return line if len(line) <= 160 else line[:157] + "..."


def measure_case(
    case, work: Path, timeout: float, isolate: bool, max_memory_mb: float = 0
) -> Measure:
    """Build one case in ``work`` and snapshot it in a child process."""
    from tests.hardening.hostile import seed_of

    folder = work / "case"
    folder.mkdir(parents=True)
    path = case.build(folder, seed_of(case.name))
    guard_dir = work / "guard"
    guard_dir.mkdir()
    (guard_dir / "sitecustomize.py").write_text(GUARD, encoding="utf-8")
    net_log = work / "network.log"
    env = child_env(work / "home", guard_dir, net_log)
    command = [sys.executable, "-m", "sahelgis", "--snapshot"]
    command += [str(work / "out" / "snapshot.png"), str(path)]
    # ru_maxrss of a child exec'ed from this process starts at this process's
    # own peak (Linux keeps the larger of the old and new image's high-water
    # mark across exec): a 600 MB parent made every "python -c pass" read
    # 614 MB. GNU time forks the child from its own small image and reports it
    # alone (13 MB for the same child).
    gnu_time = Path("/usr/bin/time")
    usage_file = work / "usage.txt"
    if gnu_time.exists():
        command = [str(gnu_time), "-f", "%M", "-o", str(usage_file), *command]
    if isolate:
        command = [shutil.which("unshare") or "unshare", "-rn", *command]
    log = work / "output.log"
    code, sig, seconds, peak_mb = run_child(command, env, log, timeout, max_memory_mb)
    if usage_file.exists():
        usage_lines = usage_file.read_text(encoding="utf-8").split()
        if usage_lines and usage_lines[-1].isdigit():
            peak_mb = int(usage_lines[-1]) / 1024  # KiB
        text_usage = usage_file.read_text(encoding="utf-8")
        if "terminated by signal" in text_usage and code is not None:
            sig = int(text_usage.split("terminated by signal")[1].split()[0])
    text = log.read_text(encoding="utf-8", errors="replace")
    attempts = (
        len(net_log.read_text(encoding="utf-8").splitlines()) if net_log.exists() else 0
    )
    return Measure(
        name=case.name,
        exit_code=code,
        seconds=round(seconds, 2),
        peak_mb=round(peak_mb, 1),
        net_attempts=attempts,
        last_line="timeout" if code is None else last_line(text),
        signal=sig,
        traceback="Traceback (most recent call last)" in text,
    )


def summary(measures: list[Measure], isolation: str, timeout: float) -> dict:
    """The final JSON line."""
    worst_time = max(measures, key=lambda m: m.seconds, default=None)
    worst_peak = max(measures, key=lambda m: m.peak_mb, default=None)
    return {
        "cases": len(measures),
        "worst_time": (
            {"case": worst_time.name, "seconds": worst_time.seconds}
            if worst_time
            else None
        ),
        "worst_peak": (
            {"case": worst_peak.name, "peak_mb": worst_peak.peak_mb}
            if worst_peak
            else None
        ),
        "all_under_60s": all(
            not m.timed_out and m.seconds < LIMIT_SECONDS for m in measures
        ),
        "all_under_2gb": all(m.peak_mb < LIMIT_MB for m in measures),
        "timeouts": [m.name for m in measures if m.timed_out],
        "crashed": [
            m.name for m in measures if m.signal is not None and not m.timed_out
        ],
        "tracebacks": [m.name for m in measures if m.traceback],
        "network_attempts": {
            m.name: m.net_attempts for m in measures if m.net_attempts
        },
        "exit_codes": {
            str(code): sum(m.exit_code == code for m in measures)
            for code in sorted({m.exit_code for m in measures}, key=str)
        },
        "network_isolation": isolation,
        "root": str(ROOT),
        "timeout_s": timeout,
    }


def emit(line: str) -> None:
    """Write one output line now (the run is long; show progress)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    """Measure every selected case; print a row each and a JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", default="", help="only cases whose name contains this")
    parser.add_argument("--kind", default="project", help="case kind (project)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        help="seconds before a child is killed",
    )
    parser.add_argument(
        "--network",
        choices=("auto", "unshare", "guard"),
        default="auto",
        help="auto: an empty network namespace when possible, always the guard",
    )
    parser.add_argument(
        "--max-memory-mb",
        type=float,
        default=0,
        help="cap each child's address space (0: no cap)",
    )
    parser.add_argument("--keep", type=Path, help="keep each case's folder here")
    parser.add_argument(
        "--root", type=Path, help="checkout to measure (default: this one)"
    )
    args = parser.parse_args(argv)

    global ROOT
    if args.root is not None:
        ROOT = args.root.resolve()
    sys.dont_write_bytecode = True  # leave the measured checkout as it was
    sys.path.insert(0, str(ROOT))
    from tests.hardening.hostile import all_cases

    isolate = {"auto": None, "unshare": True, "guard": False}[args.network]
    if isolate is None:
        isolate = unshare_works()
    elif isolate and not unshare_works():
        parser.error("unshare -rn does not work here; use --network guard")
    isolation = "unshare+guard" if isolate else "guard"

    cases = [c for c in all_cases() if c.kind == args.kind and args.k in c.name]
    emit(
        f"# {len(cases)} {args.kind} cases; network: {isolation}; "
        f"timeout {args.timeout:g} s"
    )
    emit(f"{'case':<44} {'exit':>5} {'s':>7} {'MB':>8} {'net':>4}  last line")
    measures = []
    for case in cases:
        with tempfile.TemporaryDirectory(prefix="sahelgis-measure-") as tmp:
            work = Path(tmp)
            measure = measure_case(
                case, work, args.timeout, isolate, args.max_memory_mb
            )
            if args.keep is not None:
                shutil.copytree(work, args.keep / case.name, dirs_exist_ok=True)
        measures.append(measure)
        code = "kill" if measure.timed_out else str(measure.exit_code)
        emit(
            f"{measure.name:<44} {code:>5} {measure.seconds:>7.2f} "
            f"{measure.peak_mb:>8.1f} {measure.net_attempts:>4}  {measure.last_line}"
        )
    result = summary(measures, isolation, args.timeout)
    emit(json.dumps(result, ensure_ascii=False))
    ok = result["all_under_60s"] and result["all_under_2gb"] and not result["crashed"]
    return 0 if ok else 1


__all__ = ["Measure", "main", "measure_case", "run_child", "summary"]

if __name__ == "__main__":
    raise SystemExit(main())
