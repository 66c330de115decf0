"""One measured phase in a fresh Python process: `python -m bench.worker <phase> <spec.json> <out.json>`.

Each phase (generation, a pipeline run, the baseline) runs in a process of its own, the way
`c360 run` runs in production, so that its peak memory is its own and not what an earlier phase
left behind in the heap. Inside the process the work runs in-process (Dagster's in-process
executor, DuckDB in-memory), sampled by bench.memory.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main(phase: str, spec_path: str, out_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    if phase == "generate":
        from bench.datasets import Scale, generate_into_cache
        from bench.memory import Sampler, peak_in

        with Sampler() as sampler:
            t0 = time.time()
            meta = generate_into_cache(
                Scale(spec["customers"], spec["months"], spec["seed"]), Path(spec["cache_root"])
            )
            t1 = time.time()
        meta["generation_peak"] = peak_in(sampler.samples, [(t0, t1)])
        # the peak belongs in the cached metadata too, for runs that reuse the cache
        meta_path = (
            Path(spec["cache_root"])
            / "landing"
            / Scale(spec["customers"], spec["months"], spec["seed"]).key
            / "meta.json"
        )
        meta_path.write_text(json.dumps(meta, indent=2))
        result = meta
    elif phase == "pipeline":
        from bench.pipeline import run

        result = run(
            Path(spec["landing"]),
            Path(spec["work"]),
            fresh=spec["fresh"],
            target=spec.get("target", "duckdb"),
        )
    elif phase == "baseline":
        from bench.baseline import run

        result = run(Path(spec["landing"]), spec.get("threads"))
    else:
        raise SystemExit(f"unknown phase {phase}")
    from bench.datasets import git_state

    result["git"] = git_state()  # others may commit while a long benchmark runs
    Path(out_path).write_text(json.dumps(result, default=str))


if __name__ == "__main__":
    main(*sys.argv[1:4])
