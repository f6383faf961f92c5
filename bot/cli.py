"""The ``bot`` command: ``bot <group> <command> [options]``.

Each group is a module with ``HELP``, ``add_arguments(subparsers)`` and ``run(args) -> int``
(a module with ``SINGLE_COMMAND = True`` gets its own parser instead of sub-commands);
adding a group means adding one line to ``GROUPS``. Groups handle their own user errors (exit 1,
one-line message), so a traceback here always means a bug.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Mapping, Optional, Sequence

GROUPS: Mapping[str, str] = {
    "reports": "bot.reports.commands",
    "analytics": "bot.analytics.commands",
    "purge": "bot.analytics.purge_command",
    "staff": "bot.console.commands",
    "telegram": "bot.channels.commands",
}


def build_parser(groups: Mapping[str, str] = GROUPS) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bot", description="Señales tools for staff and operators.")
    group_parsers = parser.add_subparsers(dest="group", metavar="GROUP", required=True)
    for name, module_name in groups.items():
        module = importlib.import_module(module_name)
        group_parser = group_parsers.add_parser(name, help=module.HELP, description=module.HELP[0].upper() + module.HELP[1:] + ".")
        group_parser.set_defaults(group_module=module)
        if getattr(module, "SINGLE_COMMAND", False):  # e.g. `bot purge --older-than 30d`: no sub-command
            module.add_arguments(group_parser)
        else:
            module.add_arguments(group_parser.add_subparsers(dest="command", metavar="COMMAND", required=True))
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.group_module.run(args) or 0)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
