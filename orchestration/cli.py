"""`c360`: generate demo data, run the pipeline, render the report, start the Dagster UI."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

from orchestration.settings import PROJECT_ROOT, Settings
from sources.atomic import temp_name


def dagster_home() -> Path:
    """A local Dagster instance inside the project; run history survives across runs."""
    home = Path(os.environ.get("DAGSTER_HOME") or PROJECT_ROOT / "data" / "dagster_home")
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    source = PROJECT_ROOT / "dagster.yaml"
    if not config.exists() and source.exists():  # atomically: another run may be reading it
        tmp = temp_name(config)
        tmp.write_text(source.read_text())
        os.replace(tmp, config)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def prepare_dbt_manifest() -> None:
    """The Definitions are built from dbt's manifest: parse the project if it changed."""
    from orchestration.dbt_manifest import ensure_manifest, manifest_is_current

    if not manifest_is_current():
        print("parsing the dbt project (no manifest yet, or the project changed)", flush=True)
        ensure_manifest()


def cmd_generate(args: argparse.Namespace) -> int:
    from sources.generate import generate

    out = Path(args.out or Settings.from_env().landing_dir)
    # The latest delivery is dated today (UTC) unless pinned, so a first run's data is fresh.
    as_of = args.as_of or dt.datetime.now(dt.UTC).date()
    started = time.perf_counter()
    summary = generate(
        out, customers=args.customers, months=args.months, seed=args.seed, as_of=as_of
    )
    print(
        f"generated landing data in {out} (latest delivery {as_of}) "
        f"in {time.perf_counter() - started:.1f}s"
    )
    for entity, count in summary.items():
        print(f"  {entity:<28} {count:>12,}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    settings.make_warehouse_dir()
    dagster_home()
    prepare_dbt_manifest()
    from orchestration.run import run_pipeline

    return run_pipeline(settings, verbose=args.verbose)


def cmd_report(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    from orchestration.report import write_report

    path = write_report(settings)
    print(f"report: {path}")
    return 0


def cmd_pull(args: argparse.Namespace) -> int:
    from orchestration.pull_command import run_pull

    return run_pull(Settings.from_env(), args.source, args.full, args.delivery_date)


def cmd_kpis(args: argparse.Namespace) -> int:
    from orchestration.kpis import print_kpis

    return print_kpis(Settings.from_env(), args.all, args.format)


def cmd_dev(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    settings.make_warehouse_dir()
    dagster_home()
    # dagster dev's processes (code server, run workers) get the settings as resolved here:
    # absolute paths, whatever their working directory. It parses the dbt project itself on
    # every load (dagster-dbt's prepare_if_dev).
    os.execve(
        sys.executable,
        [
            sys.executable,
            "-m",
            "dagster",
            "dev",
            "-m",
            "orchestration.definitions",
            "--host",
            "127.0.0.1",
            "--port",
            str(args.port),
        ],
        {**os.environ, **settings.environment()},
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="c360", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write synthetic, realistically messy landing data")
    gen.add_argument("--customers", type=int, default=1000)
    gen.add_argument("--months", type=int, default=12)
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument("--out", help="landing directory (default: $C360_LANDING_DIR)")
    gen.add_argument(
        "--as-of",
        type=dt.date.fromisoformat,
        help="date of the latest delivery, YYYY-MM-DD (default: today, UTC); the same seed and "
        "date give the same data",
    )
    gen.set_defaults(func=cmd_generate)

    run = sub.add_parser("run", help="materialize every asset once, in-process")
    run.add_argument(
        "--verbose",
        action="store_true",
        help="print the whole Dagster and dbt log, not only the progress (it is always in the "
        "run's log file)",
    )
    run.set_defaults(func=cmd_run)

    report = sub.add_parser("report", help="render the CCO scorecard from the published KPIs")
    report.set_defaults(func=cmd_report)

    pull = sub.add_parser("pull", help="pull a source system through its API into a delivery")
    pull.add_argument("source", choices=["stripe", "salesforce"])
    pull.add_argument("--full", action="store_true", help="pull everything, not only changes")
    pull.add_argument("--delivery-date", help="YYYY-MM-DD (default: today, UTC)")
    pull.set_defaults(func=cmd_pull)

    kpis = sub.add_parser("kpis", help="print the published KPIs (latest month by default)")
    kpis.add_argument("--all", action="store_true", help="every published month")
    kpis.add_argument("--format", choices=["table", "csv"], default="table")
    kpis.set_defaults(func=cmd_kpis)

    dev = sub.add_parser("dev", help="start the Dagster UI on 127.0.0.1")
    dev.add_argument("--port", type=int, default=3000)
    dev.set_defaults(func=cmd_dev)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 1  # README: 1 on any failure other than a blocking gate


if __name__ == "__main__":
    sys.exit(main())
