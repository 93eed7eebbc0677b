"""The kill -9 fault run: eight writers (four Python loggers, four Rust loggers) log 1,000,000
points in all while the server is killed with SIGKILL three times and restarted on the same port;
afterwards every point must be in the store exactly once. Prints points sent, stored, lost and
duplicated. Run through scripts/fault-kill9, which builds what it needs.

With --postgres ADMIN_URL the store is a new database on that server behind two replicas, the
writers spread over both; each kill takes one replica (in turn), restarted on its port. With
--restart-postgres CMD as well, the database server itself is restarted by CMD between the kills:
writes get a 503 while it is away and the loggers retry. With --azurite as well, the replicas keep
their files in a container of an Azurite (the Azure Storage emulator, which scripts/test installs
from npm) started for the run, and the Python writers upload a file every 5,000 points: afterwards
every file must be there, whole.

    python3 benches/fault_kill9.py --runhistory target/release/runhistory --writer target/release/examples/fault_writer
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time

from benchlib import ScratchDatabase, call, fetch, free_port, history, lost_and_duplicated, start_runhistory, step_counts

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WRITERS = 8
POINTS = 125_000  # per writer: 1,000,000 in all
UPLOAD_EVERY = 5_000
PY_WRITER = """
import os, sys, time
from runhistory import get_logger
UPLOAD_EVERY = 5_000
logger = get_logger()
writer, n = int(sys.argv[1]), int(sys.argv[2])
for step in range(n):
    logger.log("v", float(writer * 10_000_000 + step), step=step)
    if step % UPLOAD_EVERY == 0:
        logger.upload("ckpt/%06d.txt" % step, ("writer %d step %d" % (writer, step)).encode())
    if step % 1000 == 0:
        time.sleep(0.05)
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runhistory", required=True)
    ap.add_argument("--writer", required=True, help="the fault_writer example binary")
    ap.add_argument("--kills", type=int, help="replica kills (3; 2 with --restart-postgres, whose restarts take"
                    " about 2.5 s each and the writers finish in about 9 s)")
    ap.add_argument("--postgres", help="a PostgreSQL server's URL: the store is a new database there, behind two replicas")
    ap.add_argument("--restart-postgres", help="a shell command that restarts that PostgreSQL server, run between kills")
    ap.add_argument("--azurite", action="store_true", help="with --postgres: the files in a container of an Azurite"
                    " started for the run, the Python writers uploading a file every 5,000 points")
    args = ap.parse_args()
    if args.azurite and not args.postgres:
        ap.error("--azurite goes with --postgres: a team server's files")
    if args.kills is None:
        args.kills = 2 if args.restart_postgres else 3
    database = ScratchDatabase(args.postgres) if args.postgres else None
    try:
        run(args, database)
    finally:
        if database:
            database.drop()


def run(args, database):
    db_url = database.url if database else None
    with tempfile.TemporaryDirectory(prefix="rh-fault-") as folder:
        store = os.path.join(folder, "store")
        spool = os.path.join(store, "spool")
        log = os.path.join(folder, "servers.log")  # every server's stderr, to look for panics
        ports = [free_port() for _ in range(2 if database else 1)]
        objects = {}
        if args.azurite:
            sys.path.insert(0, os.path.join(ROOT, "python", "tests"))
            from object_storage import Azurite, Bucket

            azurite = Azurite(os.path.join(folder, "azurite"))
            bucket = Bucket(azurite, "az")
            objects = {"artifacts": bucket.url, "env": bucket.env}
        start = lambda port: start_runhistory(args.runhistory, store, port, db_url, log, **objects)  # noqa: E731
        replicas = [start(p) for p in ports]
        servers, urls = [r[0] for r in replicas], [r[1] for r in replicas]
        url = urls[0]
        runs = [
            call(url, "POST", "/api/2.0/runhistory/runs/create", {"experiment_name": "fault", "run_name": "w%d" % w})["run"]["run_id"]
            for w in range(WRITERS)
        ]
        script = os.path.join(folder, "writer.py")
        with open(script, "w") as f:
            f.write(PY_WRITER)
        writers = []
        for w, run_id in enumerate(runs):
            # Writers 0, 1 to the first replica, 2, 3 to the second, and so on: Python and Rust on each.
            to = urls[(w // 2) % len(urls)]
            env = dict(os.environ, RUNHISTORY_SERVER=to, RUNHISTORY_RUN_ID=run_id, RUNHISTORY_STORE=store,
                       RUNHISTORY_FLUSH_TIMEOUT="60", PYTHONPATH=os.path.join(ROOT, "python"))
            if w % 2 == 0:
                cmd = [sys.executable, script, str(w), str(POINTS)]
            else:
                cmd = [args.writer, to, run_id, str(w), str(POINTS), spool]
            writers.append(subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
        started = time.monotonic()
        kills, restarts = [], []
        for k in range(args.kills):
            time.sleep(0.8)
            if all(p.poll() is not None for p in writers):
                break
            r = k % len(servers)
            servers[r].send_signal(signal.SIGKILL)
            servers[r].wait()
            kills.append((r, round(time.monotonic() - started, 2)))
            time.sleep(0.5)  # down for half a second, then back on the same port
            servers[r], _ = start(ports[r])
            if args.restart_postgres and not all(p.poll() is not None for p in writers):
                time.sleep(0.4)
                t = time.monotonic()
                subprocess.run(args.restart_postgres, shell=True, check=True)
                restarts.append((round(t - started, 2), round(time.monotonic() - t, 2)))
        codes = [p.wait(timeout=600) for p in writers]
        elapsed = time.monotonic() - started
        for s in servers:
            s.send_signal(signal.SIGKILL)
            s.wait()
        server, _ = start(ports[0])  # replays any spool left at exit
        sent = stored = lost = duplicated = wrong = 0
        files_sent = files_kept = files_wrong = 0
        for w, run_id in enumerate(runs):
            if args.azurite and w % 2 == 0:
                listed = call(url, "GET", "/api/2.0/runhistory/runs/artifacts?run_id=" + run_id)["files"]
                kept = {f["path"]: f["file_size"] for f in listed}
                for step in range(0, POINTS, UPLOAD_EVERY):
                    files_sent += 1
                    name = "ckpt/%06d.txt" % step
                    if name in kept:
                        files_kept += 1
                        got = fetch(url, "/get-artifact?run_id=%s&path=%s" % (run_id, name))
                        files_wrong += got != ("writer %d step %d" % (w, step)).encode()
            pts = history(url, run_id, "v")
            wrong += sum(1 for p in pts if float(p["value"]) != float(w * 10_000_000 + int(p["step"])))
            missing, extra = lost_and_duplicated(step_counts(pts), POINTS)
            sent += POINTS
            stored += len(pts)
            lost += missing
            duplicated += extra
        server.terminate()
        server.wait()
        if database:
            print("two replicas over one PostgreSQL database; kill -9 of replica (number, at s) %s, each restarted"
                  " 0.5 s later; writers done in %.1f s, exit codes %s" % (kills, elapsed, codes))
        else:
            print("kill -9 of the server at %s s (restarted 0.5 s later each time); writers done in %.1f s, exit codes %s"
                  % ([t for _, t in kills], elapsed, codes))
        if args.restart_postgres:
            print("PostgreSQL restarted at (s, taking s) %s" % restarts)
        if args.azurite:
            print("files in Azurite: uploaded %d, kept %d, lost %d, wrong %d"
                  % (files_sent, files_kept, files_sent - files_kept, files_wrong))
            azurite.stop()
        with open(log) as f:
            panics = sum(1 for line in f if "panicked" in line)
        print("points sent %d, stored %d, lost %d, duplicated %d, wrong value %d; server panics %d"
              % (sent, stored, lost, duplicated, wrong, panics))
        failed = [p for p in writers if p.returncode != 0]
        for p in failed:
            print("writer stderr:", p.stderr.read()[-500:])
        ok = lost == 0 and duplicated == 0 and wrong == 0 and panics == 0 and len(kills) == args.kills
        ok = ok and files_kept == files_sent and files_wrong == 0
        print("OK: every point exactly once" if ok else "FAILED")
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
