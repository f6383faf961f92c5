"""``bot analytics ...``: fold new tracker events into the aggregates, or print the suppressed overview."""
from __future__ import annotations

import argparse
import logging
import sys

import sqlalchemy.exc

from bot.analytics import backfill, broker_feed, database, filters, report, settings
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
    parser = subparsers.add_parser("consume", help="copy the events Rasa publishes to RabbitMQ into the analytics database (until SIGTERM)")
    parser.add_argument("--batch-size", type=int, default=500, metavar="N", help="messages per transaction (default 500)")
    parser.set_defaults(handler=_consume)
    parser = subparsers.add_parser("backfill", help="copy tracker-store events of a window the RabbitMQ copy lacks (after an outage)")
    parser.add_argument("--since", required=True, metavar="ISO", help="start, e.g. 2026-11-27T14:00:00Z (UTC when no zone)")
    parser.add_argument("--until", required=True, metavar="ISO", help="end (exclusive)")
    parser.set_defaults(handler=_backfill)


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
    """The events the analytics fold (Rasa's store, or the RabbitMQ copy in production) and the aggregates."""
    return database.engine(settings.events_url()), database.engine(settings.analytics_url())


def _copy_engine():
    """The analytics database that holds the copy; never Rasa's own store (its events table is Rasa's)."""
    if settings.analytics_url() == settings.tracker_url():
        raise ValueError(f"the RabbitMQ copy goes into the analytics database: set {settings.ENV_ANALYTICS_URL} "
                         f"to a database other than the tracker store ({settings.ENV_TRACKER_URL} or endpoints.yml)")
    return database.engine(settings.analytics_url())


def _consume(args) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not settings.events_from_copy():
        print(f"warning: {settings.ENV_EVENTS} is not 'copy', so the refresh and console still read the tracker store",
              file=sys.stderr)
    broker_feed.consume(_copy_engine(), broker_feed.BrokerSettings.from_env(), batch_size=max(1, args.batch_size),
                        report=lambda line: print(line, flush=True))
    return 0


def _backfill(args) -> int:
    since, until = backfill.parse_instant(args.since, "since"), backfill.parse_instant(args.until, "until")
    result = backfill.backfill(database.engine(settings.tracker_url()), _copy_engine(), since, until)
    print(result.summary())
    return 0


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
