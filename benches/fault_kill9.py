"""The kill -9 fault run of issue 5: eight writers (four Python loggers, four Rust loggers) log
1,000,000 points in all while the server is killed with SIGKILL three times and restarted on the
same port; afterwards every point must be in the store exactly once. Prints points sent, stored,
lost and duplicated. Run through scripts/fault-kill9, which builds what it needs.

    python3 benches/fault_kill9.py --runhistory target/release/runhistory --writer target/release/examples/fault_writer
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time

from benchlib import call, free_port, history, lost_and_duplicated, start_runhistory, step_counts

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WRITERS = 8
POINTS = 125_000  # per writer: 1,000,000 in all
PY_WRITER = """
import os, sys, time
from runhistory import get_logger
logger = get_logger()
writer, n = int(sys.argv[1]), int(sys.argv[2])
for step in range(n):
    logger.log("v", float(writer * 10_000_000 + step), step=step)
    if step % 1000 == 0:
        time.sleep(0.05)
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runhistory", required=True)
    ap.add_argument("--writer", required=True, help="the fault_writer example binary")
    ap.add_argument("--kills", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="rh-fault-") as folder:
        store = os.path.join(folder, "store")
        spool = os.path.join(store, "spool")
        port = free_port()
        server, url = start_runhistory(args.runhistory, store, port)
        runs = [
            call(url, "POST", "/api/2.0/runhistory/runs/create", {"experiment_name": "fault", "run_name": "w%d" % w})["run"]["run_id"]
            for w in range(WRITERS)
        ]
        script = os.path.join(folder, "writer.py")
        with open(script, "w") as f:
            f.write(PY_WRITER)
        writers = []
        for w, run_id in enumerate(runs):
            env = dict(os.environ, RUNHISTORY_SERVER=url, RUNHISTORY_RUN_ID=run_id, RUNHISTORY_STORE=store,
                       RUNHISTORY_FLUSH_TIMEOUT="60", PYTHONPATH=os.path.join(ROOT, "python"))
            if w % 2 == 0:
                cmd = [sys.executable, script, str(w), str(POINTS)]
            else:
                cmd = [args.writer, url, run_id, str(w), str(POINTS), spool]
            writers.append(subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
        started = time.monotonic()
        kills = []
        for k in range(args.kills):
            time.sleep(0.8)
            if all(p.poll() is not None for p in writers):
                break
            server.send_signal(signal.SIGKILL)
            server.wait()
            kills.append(round(time.monotonic() - started, 2))
            time.sleep(0.5)  # down for half a second, then back on the same port
            server, _ = start_runhistory(args.runhistory, store, port)
        codes = [p.wait(timeout=600) for p in writers]
        elapsed = time.monotonic() - started
        server.send_signal(signal.SIGKILL)
        server.wait()
        server, _ = start_runhistory(args.runhistory, store, port)  # replays any spool left at exit
        sent = stored = lost = duplicated = wrong = 0
        for w, run_id in enumerate(runs):
            pts = history(url, run_id, "v")
            wrong += sum(1 for p in pts if float(p["value"]) != float(w * 10_000_000 + int(p["step"])))
            missing, extra = lost_and_duplicated(step_counts(pts), POINTS)
            sent += POINTS
            stored += len(pts)
            lost += missing
            duplicated += extra
        server.terminate()
        server.wait()
        print("kill -9 of the server at %s s (restarted 0.5 s later each time); writers done in %.1f s, exit codes %s"
              % (kills, elapsed, codes))
        print("points sent %d, stored %d, lost %d, duplicated %d, wrong value %d" % (sent, stored, lost, duplicated, wrong))
        failed = [p for p in writers if p.returncode != 0]
        for p in failed:
            print("writer stderr:", p.stderr.read()[-500:])
        ok = lost == 0 and duplicated == 0 and wrong == 0 and len(kills) == args.kills
        print("OK: every point exactly once" if ok else "FAILED")
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
