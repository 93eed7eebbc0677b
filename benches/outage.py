"""The outage run of issue 5: a script logs 20,000 values a second with the Python logger while
the server is down for 60 s. Prints the slowest log() call, the script's memory before and at the
worst of the outage, how much went to disk, and points sent, stored, lost and duplicated after
the server is back. Run through scripts/fault-outage, which builds the binary.

    python3 benches/outage.py --runhistory target/release/runhistory [--outage 60]
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

from benchlib import free_port, history, lost_and_duplicated, start_runhistory, step_counts

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WRITER = """
import json, os, sys, time
from runhistory import get_logger

def rss_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])

logger = get_logger()
worker = logger._worker
spool = os.path.join(os.environ["RUNHISTORY_STORE"], "spool")
seconds, rate = float(sys.argv[1]), int(sys.argv[2])
stats = {"sent": 0, "slowest_us": 0.0, "rss_start_kb": rss_kb(), "rss_peak_kb": 0, "spill_files_peak": 0}
start = time.monotonic()
step = 0
while time.monotonic() - start < seconds:
    for _ in range(rate // 100):
        t = time.perf_counter()
        logger.log("v", float(step), step=step)
        stats["slowest_us"] = max(stats["slowest_us"], (time.perf_counter() - t) * 1e6)
        step += 1
    stats["rss_peak_kb"] = max(stats["rss_peak_kb"], rss_kb())
    if os.path.isdir(spool):
        stats["spill_files_peak"] = max(stats["spill_files_peak"], len([f for f in os.listdir(spool) if f.endswith(".jsonl")]))
    time.sleep(0.01)
stats["sent"] = step
logger.wait(timeout=300)
stats["run_id"] = logger.run_id
print(json.dumps(stats))
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runhistory", required=True)
    ap.add_argument("--outage", type=float, default=60.0)
    ap.add_argument("--rate", type=int, default=20000, help="values logged per second")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="rh-outage-") as folder:
        store = os.path.join(folder, "store")
        port = free_port()
        server, url = start_runhistory(args.runhistory, store, port)
        script = os.path.join(folder, "writer.py")
        with open(script, "w") as f:
            f.write(WRITER)
        total = 5 + args.outage + 10
        env = dict(os.environ, RUNHISTORY_SERVER=url, RUNHISTORY_STORE=store, PYTHONPATH=os.path.join(ROOT, "python"))
        writer = subprocess.Popen([sys.executable, script, str(total), str(args.rate)], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(5)
        server.send_signal(signal.SIGKILL)
        server.wait()
        down = time.monotonic()
        time.sleep(args.outage)
        server, _ = start_runhistory(args.runhistory, store, port)
        back = time.monotonic() - down
        out, err = writer.communicate(timeout=total + 600)
        if writer.returncode != 0:
            print(err)
            sys.exit(1)
        stats = json.loads(out.strip().splitlines()[-1])
        steps = step_counts(history(url, stats["run_id"], "v"))
        server.terminate()
        server.wait()
        sent = stats["sent"]
        stored = sum(steps.values())
        lost, duplicated = lost_and_duplicated(steps, sent)
        print("server down for %.0f s while the script logged %d values a second" % (back, args.rate))
        print("slowest log() call %.0f us; script memory %d MB at start, %d MB at most; up to %d spill files on disk"
              % (stats["slowest_us"], stats["rss_start_kb"] // 1024, stats["rss_peak_kb"] // 1024, stats["spill_files_peak"]))
        print("values sent %d, stored %d, lost %d, duplicated %d" % (sent, stored, lost, duplicated))
        ok = lost == 0 and duplicated == 0 and stored == sent
        print("OK: everything arrived once" if ok else "FAILED")
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
