"""Large artifacts through a team server whose files are in object storage: a file of --mb MB
uploaded through the server's proxy into a container of Azurite (the Azure Storage emulator), then
downloaded back, while the server's memory is sampled. The same is done with the files in a local
folder first, as the baseline. Prints seconds, MB/s and the server's resident memory (before and
at its peak) for each, and the ratios. Run through scripts/bench-object-storage, which builds the
binary.

    python3 benches/object_upload.py --runhistory target/release/runhistory --postgres URL [--mb 400]
"""

import argparse
import hashlib
import http.client
import json
import os
import sys
import tempfile
import threading
import time

from benchlib import ScratchDatabase, call, free_port, start_runhistory

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHUNK = 1024 * 1024


def rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Peak:
    """Samples a process's resident memory every 20 ms until stopped; keeps the highest."""

    def __init__(self, pid):
        self.pid, self.peak, self._stop = pid, rss_mb(pid), threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(0.02)

    def stop(self):
        self._stop.set()
        self._thread.join()
        return self.peak


def upload(url, path, size):
    """A PUT whose body is written a MB at a time: the client holds no more than that."""
    host = url.split("//")[1]
    conn = http.client.HTTPConnection(host, timeout=600)
    conn.putrequest("PUT", path)
    conn.putheader("Content-Length", str(size))
    conn.putheader("Content-Type", "application/octet-stream")
    conn.endheaders()
    block = os.urandom(CHUNK)
    digest = hashlib.sha256()
    sent = 0
    while sent < size:
        part = block[: min(CHUNK, size - sent)]
        conn.send(part)
        digest.update(part)
        sent += len(part)
    resp = conn.getresponse()
    body = resp.read()
    assert resp.status == 200, (resp.status, body[:300])
    return digest.hexdigest()


def download(url, path):
    host = url.split("//")[1]
    conn = http.client.HTTPConnection(host, timeout=600)
    conn.request("GET", path)
    resp = conn.getresponse()
    assert resp.status == 200, resp.status
    digest = hashlib.sha256()
    while True:
        part = resp.read(CHUNK)
        if not part:
            break
        digest.update(part)
    return digest.hexdigest()


def measure(binary, folder, db_url, size, objects):
    store = os.path.join(folder, "store-%s" % ("objects" if objects else "folder"))
    extra = objects or {"artifacts": "file://" + os.path.join(folder, "files")}
    server, url = start_runhistory(binary, store, free_port(), db_url, **extra)
    try:
        run = call(url, "POST", "/api/2.0/runhistory/runs/create", {"experiment_name": "big"})["run"]
        path = "/api/2.0/mlflow-artifacts/artifacts/%s/%s/artifacts/big.bin" % (run["experiment_id"], run["run_id"])
        before = rss_mb(server.pid)
        peak = Peak(server.pid)
        t = time.monotonic()
        sent = upload(url, path, size)
        up_s = time.monotonic() - t
        up_peak = peak.stop()
        peak = Peak(server.pid)
        t = time.monotonic()
        got = download(url, path)
        down_s = time.monotonic() - t
        down_peak = peak.stop()
        assert got == sent, "the file came back changed"
        return {"up_s": up_s, "down_s": down_s, "before": before, "up_peak": up_peak, "down_peak": down_peak}
    finally:
        server.kill()
        server.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runhistory", required=True)
    ap.add_argument("--postgres", required=True, help="a PostgreSQL server's URL; a new database is made there")
    ap.add_argument("--mb", type=int, default=400)
    args = ap.parse_args()
    size = args.mb * 1024 * 1024
    sys.path.insert(0, os.path.join(ROOT, "python", "tests"))
    from object_storage import Azurite, Bucket

    database = ScratchDatabase(args.postgres)
    with tempfile.TemporaryDirectory(prefix="rh-objects-") as folder:
        azurite = Azurite(os.path.join(folder, "azurite"))
        try:
            bucket = Bucket(azurite, "az")
            base = measure(args.runhistory, folder, database.url, size, None)
            obj = measure(args.runhistory, folder, database.url, size, {"artifacts": bucket.url, "env": bucket.env})
        finally:
            azurite.stop()
            database.drop()
    mb = args.mb
    for name, r in (("local folder (baseline)", base), ("Azurite container", obj)):
        print("%-24s upload %d MB %.1f s (%.0f MB/s), download %.1f s (%.0f MB/s); server memory %.0f MB before, "
              "peak %.0f MB uploading, %.0f MB downloading"
              % (name, mb, r["up_s"], mb / r["up_s"], r["down_s"], mb / r["down_s"], r["before"], r["up_peak"],
                 r["down_peak"]))
    print("object storage / folder: upload time %.2fx, download time %.2fx; memory growth while uploading %.0f MB "
          "(folder %.0f MB) for a %d MB file" % (obj["up_s"] / base["up_s"], obj["down_s"] / base["down_s"],
                                                obj["up_peak"] - obj["before"], base["up_peak"] - base["before"], mb))
    print(json.dumps({"folder": base, "objects": obj}))


if __name__ == "__main__":
    main()
