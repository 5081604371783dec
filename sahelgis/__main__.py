"""The ``sahelgis`` command: subcommands run on the command line, anything
else opens the GUI.

This is the composition root, above every layer: ``sahelgis.cli`` never
imports the GUI, ``sahelgis.app`` starts it.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    from sahelgis import cli

    argv = list(sys.argv[1:] if argv is None else argv)
    if cli.is_subcommand(argv):
        return cli.main(argv)
    unknown = cli.unknown_subcommand(argv)
    if unknown is not None:
        cli.fail(unknown)
        return cli.EXIT_USAGE
    from sahelgis.app import start_gui

    return start_gui(argv)


if __name__ == "__main__":
    raise SystemExit(main())
