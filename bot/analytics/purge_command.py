"""``bot purge --older-than 30d``: delete raw conversation events past retention, keep the counts."""
from __future__ import annotations

import argparse
import sys

import sqlalchemy.exc

from bot.analytics import database, settings
from bot.analytics.purge import parse_duration, purge_older_than

HELP = "delete raw conversation events older than the retention period (aggregates are kept)"
SINGLE_COMMAND = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--older-than", required=True, metavar="AGE", help="e.g. 30d, 12h or 2w")


def run(args: argparse.Namespace) -> int:
    try:
        age = parse_duration(args.older_than)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    try:
        tracker, analytics = database.engine(settings.tracker_url()), database.engine(settings.analytics_url())
        database.create_events_table(tracker)
        copy = analytics if settings.events_from_copy() else None
        if copy is not None:
            database.create_events_table(copy)
        result = purge_older_than(tracker, analytics, age, copy=copy)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except sqlalchemy.exc.SQLAlchemyError as error:
        print(f"error: database: {error.__class__.__name__}: {str(error).splitlines()[0]}", file=sys.stderr)
        return 1
    print(result.summary())
    return 0
