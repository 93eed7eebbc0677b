"""What the Python bench and fault scripts share: free ports, starting `runhistory serve`, REST
calls, and reading a whole metric history back to count what arrived."""

import os
import json
import random
import socket
import subprocess
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_runhistory(binary, store, port=0, database=None, log=None, artifacts=None, env=None):
    """Starts `runhistory serve` (over `database` when given, a PostgreSQL URL, with its files in
    `store`, or in `artifacts`, an object-storage URL reached with `env`; its stderr appended to the
    file `log` if given) and returns (process, url) once it listens."""
    extra = ["--database", database] if database else []
    extra += ["--artifacts", artifacts] if artifacts else []
    proc = subprocess.Popen(
        [binary, "serve", "--store", store, "--port", str(port)] + extra,
        stdout=subprocess.PIPE,
        stderr=open(log, "a") if log else subprocess.DEVNULL,
        text=True,
        env=dict(os.environ, **(env or {})),
    )
    line = proc.stdout.readline().strip()
    if not line.startswith("Listening on "):
        proc.kill()
        raise RuntimeError("runhistory serve printed %r" % line)
    return proc, line[len("Listening on "):]


def call(url, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read())


def fetch(url, path):
    """The bytes of a GET."""
    with urllib.request.urlopen(url + path, timeout=120) as r:
        return r.read()


def history(url, run_id, key):
    """Every point of a series, through every page of its history."""
    points, token = [], None
    while True:
        q = "run_id=%s&metric_key=%s&max_results=25000" % (run_id, key) + ("&page_token=" + token if token else "")
        page = call(url, "GET", "/api/2.0/mlflow/metrics/get-history?" + q)
        points.extend(page.get("metrics", []))
        token = page.get("next_page_token")
        if not token:
            return points


def step_counts(points):
    """How many points there are at each step."""
    steps = {}
    for m in points:
        steps[int(m["step"])] = steps.get(int(m["step"]), 0) + 1
    return steps


def lost_and_duplicated(steps, sent):
    """Points of steps 0..sent-1 missing, and points stored more than once."""
    lost = sum(1 for s in range(sent) if s not in steps)
    duplicated = sum(c - 1 for c in steps.values() if c > 1)
    return lost, duplicated


class ScratchDatabase:
    """A new PostgreSQL database on the server of `admin_url` (made and dropped with psql)."""

    def __init__(self, admin_url):
        self.admin_url = admin_url
        self.name = "rh_bench_%d" % random.getrandbits(40)
        subprocess.run(["psql", admin_url, "-qc", "CREATE DATABASE " + self.name], check=True)
        self.url = admin_url.rsplit("/", 1)[0] + "/" + self.name

    def drop(self):
        subprocess.run(["psql", self.admin_url, "-qc", "DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.name])
