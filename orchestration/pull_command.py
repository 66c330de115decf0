"""`c360 pull SOURCE`: one pull, its counts and cursor on the console, exit 0 or 1."""

from __future__ import annotations

import datetime as dt
import json
import sys
import time

from orchestration.settings import Settings


def run_pull(settings: Settings, source: str, full: bool, delivery_date: str | None) -> int:
    from sources.pull import PullError, pull

    started = time.perf_counter()
    print(f"c360 pull {source}: landing {settings.landing_dir}", flush=True)
    try:
        date = dt.date.fromisoformat(delivery_date) if delivery_date else None
    except ValueError:
        print(f"c360 pull: --delivery-date must be YYYY-MM-DD, not {delivery_date!r}")
        return 1
    try:
        result = pull(
            source,
            settings.landing_dir,
            full=full,
            delivery_date=date,
            log=lambda m: print(f"  {m}", flush=True),
        )
    except PullError as exc:
        print(f"c360 pull {source} FAILED: {exc}", file=sys.stderr, flush=True)
        return 1
    elapsed = time.perf_counter() - started
    mode = "full" if result.full else "incremental"
    print(f"\n{source}: {mode} pull, delivery {result.delivery_date}, {elapsed:.1f}s")
    for name, count in result.counts.items():
        print(f"  {name:<36} {count:>10,}")
    for path in result.files:
        print(f"  wrote {path}")
    if not result.files:
        print("  nothing changed since the last pull: no delivery written")
    print(f"  cursor {json.dumps(result.cursor, sort_keys=True)}", flush=True)
    return 0
