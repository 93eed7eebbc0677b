"""TensorBoard logdirs opened: ours against TensorBoard's own Python loader, in the same run.

Writes, with tensorboardX (a real writer from PyPI), one event file of 1,000,000 scalars and a
logdir of 1,000 runs x 200 scalars; times TensorBoard's `EventAccumulator` loading each while keeping
every point (`size_guidance={"scalars": 0}`; by default it keeps only 1,000 sampled per tag); then
runs the workbench's `tensorboard` scenes (`cargo bench --bench workbench_frames -- tensorboard`),
which open each logdir in the headless workbench to its charts drawn, and prints the ratio.

    python3 benches/tensorboard_load.py [--points 1000000] [--runs 1000] [--keep DIR]

Needs tensorboardX and tensorboard (pip install tensorboardX tensorboard), as the tests' venv has.
TensorBoard's default loader in its server is now a Rust one ("rustboard", tensorboard-data-server);
it samples scalars and is not timed here: EventAccumulator is what scripts and importers call."""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def write_big(root, points):
    from tensorboardX import SummaryWriter

    w = SummaryWriter(os.path.join(root, "big"), max_queue=10000, flush_secs=3600)
    for step in range(points):
        w.add_scalar("loss", 1.0 / (1 + step * 1e-4), step, walltime=1_700_000_000 + step * 0.01)
    w.close()


def write_many(root, runs, steps):
    from tensorboardX import SummaryWriter

    for r in range(runs):
        w = SummaryWriter(os.path.join(root, "run_%04d" % r), max_queue=10000, flush_secs=3600)
        for step in range(steps):
            w.add_scalar("loss", (1 + r % 7) / (1 + step), step, walltime=1_700_000_000 + step)
        w.close()


def event_accumulator(path):
    """Seconds to load, and scalars kept, by TensorBoard's Python loader keeping every point."""
    from tensorboard.backend.event_processing import event_multiplexer

    t = time.perf_counter()
    mux = event_multiplexer.EventMultiplexer(size_guidance={"scalars": 0})
    mux.AddRunsFromDirectory(path)
    mux.Reload()
    kept = 0
    for run, tags in mux.Runs().items():
        for tag in tags.get("scalars", []):
            kept += len(mux.Scalars(run, tag))
    return time.perf_counter() - t, kept


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--keep", help="write the logdirs here and keep them")
    args = ap.parse_args()
    root = args.keep or tempfile.mkdtemp(prefix="rh-tb-bench-")
    big, many = os.path.join(root, "big_logdir"), os.path.join(root, "many_logdir")
    if not os.path.isdir(big):
        t = time.perf_counter()
        write_big(big, args.points)
        write_many(many, args.runs, 200)
        print("wrote the logdirs with tensorboardX in %.1f s" % (time.perf_counter() - t))

    theirs = {}
    for name, path, want in (("big", big, args.points), ("many", many, args.runs * 200)):
        secs, kept = event_accumulator(path)
        theirs[name] = secs
        print("EventAccumulator, %s: %.2f s, %d of %d scalars kept" % (name, secs, kept, want))

    env = dict(os.environ, RUNHISTORY_BENCH_TB_BIG=big, RUNHISTORY_BENCH_TB_MANY=many)
    out = subprocess.run(
        ["cargo", "bench", "--bench", "workbench_frames", "--", "tensorboard"],
        cwd=os.path.dirname(HERE), env=env, capture_output=True, text=True,
    )
    if out.returncode != 0:
        sys.exit(out.stderr[-3000:])
    ours = {}
    for line in out.stdout.splitlines():
        if line.startswith("  "):
            print(line)
        if line.startswith("tensorboard "):
            print(line)
            m = re.search(r"in (\d+) ms", line)
            ours["big" if "scalars" in line else "many"] = float(m.group(1)) / 1000.0
    print("1,000,000 scalars: ours %.2f s to the chart drawn, EventAccumulator %.2f s to loaded: %.1fx (target >= 20x)"
          % (ours["big"], theirs["big"], theirs["big"] / ours["big"]))
    print("%d runs: ours %.2f s to the dashboard's chart drawn (target <= 2 s), EventAccumulator %.2f s: %.1fx"
          % (args.runs, ours["many"], theirs["many"], theirs["many"] / ours["many"]))


if __name__ == "__main__":
    main()
