"""The concurrent side of benches/vs_mlflow.py's PostgreSQL mode: a pool of client processes (one
per client, so the Python GIL and the MLflow client's own cost do not serialise them), each doing
closed-loop calls for a fixed time against one server, and the bulk creation of many runs through
MLflow's REST API for the search over 100,000 runs."""

import http.client
import json
import multiprocessing
import os
import statistics
import time
import urllib.parse

MLFLOW = "/api/2.0/mlflow"
LRS = ["0.1", "0.03", "0.01", "0.003", "0.001"]


def run_data(i):
    """The params and metric of the i-th run of a search experiment: lr cycles through LRS, model
    through a/b, and acc through 0.00 .. 0.99 independently of lr."""
    return LRS[i % len(LRS)], "ab"[i % 2], ((i // len(LRS)) % 100) / 100.0


def matching(indexes, lr, acc_above, model=None):
    """How many of these runs a filter `params.lr = lr and metrics.acc > acc_above` (and
    `params.model = model` when given) finds."""
    n = 0
    for i in indexes:
        r_lr, r_model, r_acc = run_data(i)
        n += r_lr == lr and r_acc > acc_above and (model is None or r_model == model)
    return n


class Rest:
    """One keep-alive HTTP connection; a call answered with anything but 200 raises HttpError."""

    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname, u.port
        self.conn = None

    def post(self, path, body):
        data = json.dumps(body).encode()
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=300)
            try:
                self.conn.request("POST", path, data, {"Content-Type": "application/json"})
                resp = self.conn.getresponse()
                payload = resp.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A keep-alive connection the server closed while idle: once more on a new one.
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
                continue
            if resp.status != 200:
                raise HttpError(resp.status, path, payload[:300].decode("utf-8", "replace"))
            return json.loads(payload) if payload else {}


class HttpError(Exception):
    def __init__(self, status, path, body):
        super().__init__("HTTP %d on %s: %s" % (status, path, body))
        self.status = status


def create_runs(url, exp_id, indexes, deadline):
    """Creates the runs of these indexes (run_data's params and metric, through runs/create and
    runs/log-batch) until `deadline` (time.time()); returns (the indexes created, the texts of
    the calls that failed: a run whose call failed is left out and the next one made)."""
    rest = Rest(url)
    done, errors = [], []
    for i in indexes:
        if time.time() > deadline:
            break
        ts = int(time.time() * 1000)
        lr, model, acc = run_data(i)
        try:
            run = rest.post(MLFLOW + "/runs/create", {"experiment_id": exp_id, "run_name": "r%d" % i, "start_time": ts})
            rest.post(
                MLFLOW + "/runs/log-batch",
                {
                    "run_id": run["run"]["info"]["run_id"],
                    "params": [{"key": "lr", "value": lr}, {"key": "model", "value": model}],
                    "metrics": [{"key": "acc", "value": acc, "timestamp": ts, "step": 0}],
                },
            )
        except (HttpError, OSError) as e:
            errors.append("run %d: %r" % (i, e))
            continue
        done.append(i)
    return done, errors


def _batch_metrics(b, size, ts):
    return [("m%d" % (i % 10), (b * size + i) * 0.001, ts, b * size + i) for i in range(size)]


def closed_loop(kind, url, target, start_at, seconds, batch):
    """Calls of one kind, back to back from `start_at` for `seconds`; returns (calls completed in
    that time, their latencies, errors, the first error's text, whether its warm-up call ended
    after `start_at`). `target` is a run id (batches) or
    (experiment id, filter) (search)."""
    if kind.startswith("client"):
        from mlflow.entities import Metric
        from mlflow.tracking import MlflowClient

        client = MlflowClient(tracking_uri=url)
        if kind == "client_batch":
            def call(b):
                ts = int(time.time() * 1000)
                client.log_batch(target, metrics=[Metric(k, v, t, s) for k, v, t, s in _batch_metrics(b, batch, ts)])
        else:
            def call(b):
                client.search_runs([target[0]], filter_string=target[1], max_results=100)
    else:
        rest = Rest(url)
        if kind == "rest_batch":
            def call(b):
                ts = int(time.time() * 1000)
                metrics = [{"key": k, "value": v, "timestamp": t, "step": s} for k, v, t, s in _batch_metrics(b, batch, ts)]
                rest.post(MLFLOW + "/runs/log-batch", {"run_id": target, "metrics": metrics})
        else:
            def call(b):
                rest.post(MLFLOW + "/runs/search", {"experiment_ids": [target[0]], "filter": target[1], "max_results": 100})
    b = 0
    call(b)  # warm-up: imports, connection
    b += 1
    late = time.time() > start_at
    time.sleep(max(0.0, start_at - time.time()))
    end = start_at + seconds
    latencies, errors, first_error = [], 0, None
    while True:
        t = time.time()
        if t >= end:
            break
        try:
            call(b)
        except Exception as e:  # counted and reported, never retried
            errors += 1
            first_error = first_error or repr(e)[:300]
        b += 1
        if time.time() <= end:
            latencies.append(time.time() - t)
    return len(latencies), latencies, errors, first_error, late


def _serve(inbox, outbox):
    # The MLflow client retries a 5xx up to 7 times with backoff: here a failed call is an error.
    os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"
    while True:
        task = inbox.get()
        if task is None:
            return
        fn, args = task
        try:
            outbox.put(("ok", fn(*args)))
        except Exception as e:
            outbox.put(("error", repr(e)[:500]))


class Pool:
    """`n` client processes (spawned, so none shares the parent's connections); `map` gives each
    of the first len(tasks) processes one task and returns their results in order."""

    def __init__(self, n):
        ctx = multiprocessing.get_context("spawn")
        self.outbox = ctx.Queue()
        self.inboxes = [ctx.Queue() for _ in range(n)]
        self.procs = [ctx.Process(target=_serve, args=(q, self.outbox), daemon=True) for q in self.inboxes]
        for p in self.procs:
            p.start()
        self.map([(time.sleep, (0,))] * n)  # every process up before anything is timed

    def map(self, tasks):
        assert len(tasks) <= len(self.inboxes)
        for q, (fn, args) in zip(self.inboxes, tasks):
            q.put((fn, args))
        results = [self.outbox.get() for _ in tasks]
        failed = [r for status, r in results if status == "error"]
        if failed:
            raise RuntimeError("a client process failed: %s" % failed[0])
        return [r for _, r in results]

    def close(self):
        for q in self.inboxes:
            q.put(None)
        for p in self.procs:
            p.join(10)


def throughput(pool, kind, url, targets, seconds, batch):
    """Calls per second of len(targets) clients together (the i-th on targets[i]), the median
    latency, the errors, the first error's text, and how many clients started late."""
    start_at = time.time() + 2.0 + 0.3 * len(targets)  # after every client's warm-up call
    results = pool.map([(closed_loop, (kind, url, t, start_at, seconds, batch)) for t in targets])
    calls = sum(r[0] for r in results)
    latencies = [x for r in results for x in r[1]]
    errors = sum(r[2] for r in results)
    first = next((r[3] for r in results if r[3]), None)
    late = sum(r[4] for r in results)
    return calls / seconds, statistics.median(latencies) if latencies else float("nan"), errors, first, late


def fill(pool, url, exp_id, indexes, seconds):
    """Creates the runs of these indexes in `exp_id` with every process of the pool, stopping
    after `seconds`; returns (the indexes created, the seconds it took, the failed calls)."""
    k = len(pool.inboxes)
    t = time.time()
    parts = pool.map([(create_runs, (url, exp_id, indexes[j::k], t + seconds)) for j in range(k)])
    took = time.time() - t
    return [i for p in parts for i in p[0]], took, [e for p in parts for e in p[1]]


TEMPLATES = 500  # run_data repeats every 500 runs


def clone_mlflow_runs(database, exp_id, indexes):
    """Adds runs of these indexes to a stock MLflow server's PostgreSQL database `database`, each
    a copy, in SQL, of the run of index i % TEMPLATES made through its REST API (its rows in runs,
    params, metrics, latest_metrics and tags, under a new run id and name)."""
    import io
    import uuid

    import psycopg2

    conn = psycopg2.connect(database)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("CREATE TEMP TABLE clone_map (i integer, dst varchar(32), src varchar(32))")
            cur.copy_from(io.StringIO("".join("%d\t%s\n" % (i, uuid.uuid4().hex) for i in indexes)), "clone_map", columns=("i", "dst"))
            cur.execute(
                "UPDATE clone_map m SET src = r.run_uuid FROM runs r"
                " WHERE r.experiment_id = %s AND r.name = 'r' || (m.i %% %s)",
                (int(exp_id), TEMPLATES),
            )
            cur.execute("SELECT count(*) FROM clone_map WHERE src IS NULL")
            missing = cur.fetchone()[0]
            if missing:
                raise RuntimeError("%d runs to copy have no template run" % missing)
            for table in ("runs", "params", "metrics", "latest_metrics", "tags"):
                cur.execute(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
                    (table,),
                )
                cols = [c for (c,) in cur.fetchall()]
                special = {
                    "run_uuid": "m.dst",
                    "name": "'r' || m.i" if table == "runs" else None,
                    "artifact_uri": "replace(t.artifact_uri, m.src, m.dst)" if table == "runs" else None,
                    "value": "CASE WHEN t.key = 'mlflow.runName' THEN 'r' || m.i ELSE t.value END" if table == "tags" else None,
                }
                select = ", ".join(special.get(c) or "t." + c for c in cols)
                cur.execute(
                    "INSERT INTO %s (%s) SELECT %s FROM %s t JOIN clone_map m ON t.run_uuid = m.src"
                    % (table, ", ".join(cols), select, table)
                )
    finally:
        conn.close()
