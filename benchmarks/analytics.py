"""Benchmark the analytics: refresh (full and incremental) and rendering the overview page.

Run from the project root:
    python benchmarks/analytics.py                       # 10,000 and 1,000,000 events, SQLite and PostgreSQL
    python benchmarks/analytics.py --sizes 10000 --backends sqlite

For each backend and size it generates events in Rasa's SQLTrackerStore shape over 60 days
(bot.analytics.synthetic), then times: a full refresh from an empty aggregate store; an
incremental refresh after 1% more events arrive, next to a full rebuild over the same total (the
ratio is what the high-water mark buys); and building + rendering the overview for the last 30
days (median of 5), with the suppressed aggregates, SVG charts and the Jinja2 template the
console serves. PostgreSQL: SENALES_BENCH_PG_ADMIN_URL (default postgres@127.0.0.1:5432), in a
scratch database it creates and drops.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bot.analytics import database, filters, queries, report, synthetic  # noqa: E402
from bot.analytics.refresh import Refresher  # noqa: E402
from bot.console.app import overview_context, template_environment  # noqa: E402

PG_ADMIN = os.environ.get("SENALES_BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DB = "senales_analytics_bench"


def _timed(fn):
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def _render(engine, now):
    templates = template_environment()
    f = filters.whole_weeks({}, now=filters.today())
    with engine.connect() as conn:
        data = report.build(conn, f, 11, now=now)
        channels = queries.channels_seen(conn)
    html = templates.get_template("overview.html").render(user="bench", csrf="x", active="overview", threshold=11, marker="<11",
                                                         **overview_context(data, channels))
    return len(html)


def _fresh(url):
    engine = database.engine(url)
    database.metadata.drop_all(engine)
    database.tracker_metadata.drop_all(engine)
    return engine


def _clear_aggregates(engine):
    database.metadata.drop_all(engine)
    database.create_tables(engine)


def run(backend: str, url: str, size: int) -> dict:
    engine = _fresh(url)
    end = time.time()
    fill_s, written = _timed(lambda: synthetic.fill(engine, size, seed=1, end=end - 3600))
    full_s, full = _timed(lambda: Refresher(engine, engine).run())
    more = max(100, size // 100)
    synthetic.fill(engine, more, seed=2, end=end - 120)  # older than the PostgreSQL settle time
    incr_s, incr = _timed(lambda: Refresher(engine, engine).run())
    _clear_aggregates(engine)
    rebuild_s, rebuild = _timed(lambda: Refresher(engine, engine).run())
    renders = [_timed(lambda: _render(engine, end))[0] for _ in range(5)]
    with engine.connect() as conn:
        aggregate_rows = conn.execute(sa.select(sa.func.count()).select_from(database.counts)).scalar()
    database.metadata.drop_all(engine)
    database.tracker_metadata.drop_all(engine)
    engine.dispose()
    return {
        "backend": backend, "events": written, "fill_s": fill_s, "full_s": full_s, "full_rate": full.events_read / full_s,
        "new_events": incr.events_read, "incremental_s": incr_s, "rebuild_s": rebuild_s, "render_ms": statistics.median(renders) * 1000,
        "aggregate_rows": aggregate_rows, "rebuild_events": rebuild.events_read,
    }


def _pg_url():
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)"))
        conn.execute(sa.text(f"CREATE DATABASE {PG_DB}"))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{PG_DB}"


def _drop_pg():
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)"))
    admin.dispose()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 1000000])
    parser.add_argument("--backends", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends:
            for size in args.sizes:
                if backend == "sqlite":
                    url = f"sqlite:///{Path(tmp) / f'bench-{size}.db'}"
                else:
                    url = _pg_url()
                try:
                    result = run(backend, url, size)
                finally:
                    if backend == "postgresql":
                        database.engine(url).dispose()
                        _drop_pg()
                results.append(result)
                r = result
                print(f"{r['backend']:<10} {r['events']:>9,} events: full refresh {r['full_s']:.2f} s ({r['full_rate']:,.0f} events/s); "
                      f"+{r['new_events']:,} new: incremental {r['incremental_s']:.3f} s vs full rebuild {r['rebuild_s']:.2f} s "
                      f"({r['rebuild_s'] / r['incremental_s']:.0f}x); overview built+rendered {r['render_ms']:.0f} ms (median of 5); "
                      f"{r['aggregate_rows']:,} aggregate rows", flush=True)
    print("\n| Backend | Events | Full refresh | Events/s | Incremental (+1%) | Full rebuild | Rebuild ÷ incremental | Overview render |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['backend']} | {r['events']:,} | {r['full_s']:.2f} s | {r['full_rate']:,.0f} | {r['incremental_s']:.3f} s "
              f"({r['new_events']:,} events) | {r['rebuild_s']:.2f} s | {r['rebuild_s'] / r['incremental_s']:.0f}× | {r['render_ms']:.0f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
