"""``sahelgis acled-update PROJECT.gpkg``: bring a project's ACLED events up to date.

Signs in to ACLED's API, reads the events added or changed since the last
update and the deleted ones, upserts them by ``event_id_cnty`` and writes the
project atomically (the previous file kept as ``.bak.gpkg``). The password
comes from ``SAHELGIS_ACLED_PASSWORD``, the system keyring, or a prompt; it is
never written anywhere.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from sahelgis.cli import EXIT_OK, fail, refused

USAGE = (
    "sahelgis acled-update PROJECT.gpkg [--email E] [--country Mali] "
    "[--since DATE] [--timeout S]"
)


def _parser() -> argparse.ArgumentParser:
    from sahelgis.io.acled_api import DEFAULT_BASE_URL, DEFAULT_TIMEOUT_S
    from sahelgis.io.acled_credentials import ENV_EMAIL, ENV_PASSWORD

    parser = argparse.ArgumentParser(
        prog="sahelgis acled-update",
        description=(
            "Update a project's ACLED events from ACLED's API: new and changed "
            "events are upserted by event_id_cnty, deleted ones removed. The "
            f"password is read from {ENV_PASSWORD}, the system keyring, or asked."
        ),
    )
    parser.add_argument("project", type=Path, help="the project file to update")
    parser.add_argument("--email", help=f"ACLED account e-mail (default: ${ENV_EMAIL})")
    parser.add_argument(
        "--country",
        action="append",
        help="ACLED country name, repeatable (default: the layer's countries)",
    )
    parser.add_argument(
        "--since",
        help="ask for events changed since this day, YYYY-MM-DD (default: since "
        "the last update, else the layer's newest timestamp)",
    )
    parser.add_argument("--start", help="first event_date, YYYY-MM-DD")
    parser.add_argument("--end", help="last event_date, YYYY-MM-DD (default today)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        help=f"seconds to wait for each answer (default {DEFAULT_TIMEOUT_S:g})",
    )
    parser.add_argument(
        "--api-url",
        default=DEFAULT_BASE_URL,
        help=f"the API's address (default {DEFAULT_BASE_URL})",
    )
    return parser


def _ask() -> str:
    if not sys.stdin.isatty():
        return ""
    return getpass.getpass("ACLED password: ")


def cmd_acled_update(argv: list[str]) -> int:
    """Run ``sahelgis acled-update``; returns the exit code."""
    args = _parser().parse_args(argv)
    from sahelgis.errors import SahelGISError
    from sahelgis.io.acled_credentials import ENV_EMAIL, password_for
    from sahelgis.io.acled_update import (
        apply_update,
        day_to_unix,
        fetch_update,
        plan_update,
    )
    from sahelgis.io.atomic import check_writable, write_lock
    from sahelgis.io.project_file import load_project, save_project

    path: Path = args.project
    if not path.is_file():
        return fail(f"{path}: file not found")
    if not (args.timeout > 0 and args.timeout < 3600):
        return fail(f"--timeout {args.timeout:g}: give seconds between 0 and 3600")
    email = (args.email or os.environ.get(ENV_EMAIL, "")).strip()
    if not email:
        return fail(f"no ACLED e-mail: give --email or set {ENV_EMAIL}")
    try:
        check_writable(path)
    except SahelGISError as exc:
        return refused(exc)
    try:
        since = day_to_unix(args.since) if args.since else None
        with write_lock(path):
            project = load_project(path)
            plan = plan_update(
                project,
                countries=args.country,
                start=args.start,
                end=args.end,
                since=since,
            )
            print(f"asking ACLED for {plan.describe()}")
            password = password_for(email, _ask)
            result = fetch_update(
                plan,
                email,
                password,
                base_url=args.api_url,
                timeout=args.timeout,
            )
            del password
            for line in result.rejected:
                print(f"  not imported: {line}")
            line = apply_update(project, result)
            if project.modified:
                save_project(project, path)
    except SahelGISError as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"{exc.filename or path}: {exc.strerror or exc}")
    print(f"{path.name}: {line} ({result.rows:,} rows in {result.pages} pages read)")
    return EXIT_OK
