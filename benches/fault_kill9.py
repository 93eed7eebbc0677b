"""The kill -9 fault run of issue 5: eight writers (four Python loggers, four Rust loggers) log
1,000,000 points in all while the server is killed with SIGKILL three times and restarted on the
same port; afterwards every point must be in the store exactly once. Prints points sent, stored,
lost and duplicated. Run through scripts/fault-kill9, which builds what it needs.

    python3 benches/fault_kill9.py --runhistory target/release/runhistory --writer target/release/examples/fault_writer
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

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


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(url, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def start_server(binary, store, port):
    proc = subprocess.Popen(
        [binary, "serve", "--store", store, "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    line = proc.stdout.readline()
    if not line.startswith("Listening on"):
        raise RuntimeError("server did not start: %r" % line)
    return proc


def history(url, run_id):
    points, token = [], None
    while True:
        q = "run_id=%s&metric_key=v&max_results=25000" % run_id + ("&page_token=" + token if token else "")
        page = call(url, "GET", "/api/2.0/mlflow/metrics/get-history?" + q)
        points.extend(page.get("metrics", []))
        token = page.get("next_page_token")
        if not token:
            return points


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
        url = "http://127.0.0.1:%d" % port
        server = start_server(args.runhistory, store, port)
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
            server = start_server(args.runhistory, store, port)
        codes = [p.wait(timeout=600) for p in writers]
        elapsed = time.monotonic() - started
        server.send_signal(signal.SIGKILL)
        server.wait()
        server = start_server(args.runhistory, store, port)  # replays any spool left at exit
        sent = stored = lost = duplicated = wrong = 0
        for w, run_id in enumerate(runs):
            pts = history(url, run_id)
            steps = {}
            for p in pts:
                steps[int(p["step"])] = steps.get(int(p["step"]), 0) + 1
                if float(p["value"]) != float(w * 10_000_000 + int(p["step"])):
                    wrong += 1
            sent += POINTS
            stored += len(pts)
            lost += sum(1 for s in range(POINTS) if s not in steps)
            duplicated += sum(c - 1 for c in steps.values() if c > 1)
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
