"""Landing data per scale factor, generated once and cached by (customers, months, seed).

    bench/cache/landing/c<customers>-m<months>-s<seed>/landing/...   the generated landing files
    bench/cache/landing/c<customers>-m<months>-s<seed>/meta.json      written last: the cache is complete

A run never writes into the cache: `link_landing` gives each benchmark run its own landing tree
of hard links (copies across file systems), so the incremental day can add a delivery folder
without touching the cached data.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
CACHE_DIR = BENCH_DIR / "cache"


@dataclass(frozen=True)
class Scale:
    customers: int
    months: int = 12
    seed: int = 42

    @property
    def key(self) -> str:
        return f"c{self.customers}-m{self.months}-s{self.seed}"

    @property
    def label(self) -> str:
        n = self.customers
        text = (
            f"{n // 1_000_000}M"
            if n % 1_000_000 == 0
            else (f"{n // 1000}k" if n % 1000 == 0 else str(n))
        )
        return f"{text} customers x {self.months} months"


def cache_dir(scale: Scale, root: Path = CACHE_DIR) -> Path:
    return root / "landing" / scale.key


def cached(scale: Scale, root: Path = CACHE_DIR) -> dict | None:
    meta = cache_dir(scale, root) / "meta.json"
    return json.loads(meta.read_text()) if meta.exists() else None


def generate_into_cache(scale: Scale, root: Path = CACHE_DIR) -> dict:
    """Generate the landing of a scale (in this process) and mark the cache complete."""
    import time

    from sources.generate import generate

    final = cache_dir(scale, root)
    partial = final.with_name(final.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.rmtree(final, ignore_errors=True)
    partial.mkdir(parents=True)
    started = time.perf_counter()
    counts = generate(
        partial / "landing", customers=scale.customers, months=scale.months, seed=scale.seed
    )
    seconds = time.perf_counter() - started
    size = sum(p.stat().st_size for p in (partial / "landing").rglob("*") if p.is_file())
    files = sum(1 for p in (partial / "landing").rglob("*") if p.is_file())
    meta = {
        "customers": scale.customers,
        "months": scale.months,
        "seed": scale.seed,
        "records": counts,
        "generation_seconds": seconds,
        "bytes": size,
        "files": files,
    }
    (partial / "meta.json").write_text(json.dumps(meta, indent=2))
    os.replace(partial, final)
    return meta


def link_landing(source: Path, target: Path) -> None:
    """A private landing tree: real folders, files hard-linked (or copied) from the cache."""
    shutil.rmtree(target, ignore_errors=True)
    for folder, _, files in os.walk(source):
        rel = Path(folder).relative_to(source)
        (target / rel).mkdir(parents=True, exist_ok=True)
        for name in files:
            src, dst = Path(folder) / name, target / rel / name
            try:
                os.link(src, dst)
            except OSError:
                shutil.copy2(src, dst)


def git_state() -> str:
    """The commit measured, and whether the working tree had local changes (read-only git)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=BENCH_DIR.parent,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            cwd=BENCH_DIR.parent,
            check=False,
        ).stdout
        changed = len([line for line in dirty.splitlines() if line.strip()])
        return head + (f" + {changed} locally modified file(s)" if changed else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
