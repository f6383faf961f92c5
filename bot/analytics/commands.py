"""``bot analytics ...``: fold new tracker events into the aggregates, or print the suppressed overview."""
from __future__ import annotations

import argparse
import sys

import sqlalchemy.exc

from bot.analytics import database, filters, report, settings
from bot.analytics.refresh import Refresher

HELP = "refresh and print the privacy-safe conversation analytics"


def add_arguments(subparsers) -> None:
    parser = subparsers.add_parser("refresh", help="read new tracker events into the aggregates (incremental)")
    parser.add_argument("--batch-size", type=int, default=20000, metavar="N", help="events per transaction (default 20000)")
    parser.set_defaults(handler=_refresh)
    parser = subparsers.add_parser("csv", help="print the suppressed aggregates as CSV (same as the console's export)")
    parser.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="a Monday (whole ISO weeks only)")
    parser.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="a Sunday")
    parser.add_argument("--channel")
    parser.add_argument("--language", choices=filters.LANGUAGES)
    parser.add_argument("--include-demo", action="store_true")
    parser.set_defaults(handler=_csv)


def run(args: argparse.Namespace) -> int:
    try:
        return args.handler(args) or 0
    except (filters.FilterError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except sqlalchemy.exc.SQLAlchemyError as error:
        print(f"error: database: {error.__class__.__name__}: {str(error).splitlines()[0]}", file=sys.stderr)
        return 1


def _engines():
    return database.engine(settings.tracker_url()), database.engine(settings.analytics_url())


def _refresh(args) -> int:
    tracker, analytics = _engines()
    database.create_events_table(tracker)
    result = Refresher(tracker, analytics, batch_size=max(100, args.batch_size)).run()
    print(f"Refreshed: {result.summary()}.")
    return 0


def _csv(args) -> int:
    chosen = filters.whole_weeks({"from": args.start or "", "to": args.end or "", "channel": args.channel or "",
                            "language": args.language or "", "demo": "1" if args.include_demo else ""})
    tracker, analytics = _engines()
    database.create_events_table(tracker)
    Refresher(tracker, analytics).run()
    with analytics.connect() as conn:
        sys.stdout.write(report.build(conn, chosen, settings.min_count()).to_csv())
    return 0
