"""One client workload, the official MLflow client's, against our server and a stock `mlflow server`
(SQLite store, artifacts served by it, on loopback) in the same run; prints each operation's time
on both and the ratio (MLflow's time / ours). Then the cost of one Python `log()` call of our
client. Run it through scripts/bench-vs-mlflow, which builds the binary and the virtualenv.

With --postgres ADMIN_URL both servers run over PostgreSQL instead, each over a new database made on
that server (and dropped at the end): ours as `runhistory serve --database`, MLflow's with
`--backend-store-uri postgresql+psycopg2://`. Besides the same workload it then measures, on both,
the throughput of 1 and of N concurrent clients (each its own process) doing log_batch and
search_runs, through the MLflow client and as bare REST calls; and a filtered search over
--search-runs runs (100,000 by default), made on both through MLflow's REST API by the same client
processes; on MLflow's server only the first ones are (at its rate 100,000 would take most of an
hour) and the rest are copies of those, made in SQL in its tables.

    python benches/vs_mlflow.py --runhistory target/release/runhistory [--quick]
        [--postgres postgres://postgres@127.0.0.1:5432/postgres] [--search-runs N] [--clients N]
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from benchlib import ScratchDatabase, free_port, start_runhistory
from mlflow.entities import Metric, Param, RunTag
from mlflow.tracking import MlflowClient

def target(op):
    """The issue's target for an operation, as MLflow's time / ours."""
    if op.startswith("  REST only: search"):
        return 5.0
    if op.startswith("get_metric_history"):
        return 3.0
    if op.startswith("artifact"):
        return 2.0
    return 5.0


def wait_healthy(url, proc, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited with %s before it was healthy" % proc.returncode)
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server at %s not healthy within %ss" % (url, timeout))


def start_ours(binary, folder, database=None):
    log = os.path.join(folder, "server.log") if database else None
    proc, url = start_runhistory(binary, os.path.join(folder, "store"), database=database, log=log)
    threading.Thread(target=proc.stdout.read, daemon=True).start()  # keep its pipe drained
    wait_healthy(url, proc)
    return proc, url


def start_mlflow(folder, database=None):
    port = free_port()
    if database:  # SQLAlchemy 2.1 takes a bare postgresql:// for psycopg 3: name psycopg2
        backend = "postgresql+psycopg2://" + database.split("://", 1)[1]
    else:
        backend = "sqlite:///" + os.path.join(folder, "mlflow.db")
    mlflow_bin = os.path.join(os.path.dirname(sys.executable), "mlflow")
    proc = subprocess.Popen(
        [
            mlflow_bin, "server",
            "--backend-store-uri", backend,
            "--artifacts-destination", os.path.join(folder, "mlartifacts"),
            "--host", "127.0.0.1", "--port", str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = "http://127.0.0.1:%d" % port
    wait_healthy(url, proc)
    return proc, url


def stop(proc):
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def timed(fn, repeat):
    """Median seconds of `repeat` calls of fn()."""
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def search_all(client, exp_id, filter_string=""):
    runs, token = [], None
    while True:
        page = client.search_runs([exp_id], filter_string=filter_string, max_results=1000, page_token=token)
        runs.extend(page)
        token = page.token
        if not token:
            return runs


def rest_search_all(url, exp_id, filter_string):
    runs, token = [], None
    while True:
        body = {"experiment_ids": [exp_id], "filter": filter_string, "max_results": 1000}
        if token:
            body["page_token"] = token
        req = urllib.request.Request(
            url + "/api/2.0/mlflow/runs/search",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=120) as r:
            page = json.loads(r.read())
        runs.extend(page.get("runs", []))
        token = page.get("next_page_token")
        if not token:
            return runs


def workload(url, folder, quick, analyze=None):
    """Seconds per operation (median of repeats) of the MLflow client against `url`; `analyze`,
    if given, is called before the searches (PostgreSQL's ANALYZE)."""
    client = MlflowClient(tracking_uri=url)
    n_runs = 400 if quick else 2000
    hist = 20_000 if quick else 100_000
    big = (20 if quick else 100) * 1024 * 1024
    out = {}

    exp = client.create_experiment("bench-%d" % time.time_ns())
    run = client.create_run(exp).info.run_id

    step = iter(range(10**9))
    out["log_metric (one call)"] = timed(lambda: client.log_metric(run, "single", 0.5, step=next(step)), 300)

    batch_no = iter(range(10**9))

    def log_batch():
        b = next(batch_no)
        ts = int(time.time() * 1000)
        client.log_batch(run, metrics=[Metric("batch", i * 0.001, ts, b * 1000 + i) for i in range(1000)])

    out["log_batch of 1,000"] = timed(log_batch, 30)

    runs_exp = client.create_experiment("bench-runs-%d" % time.time_ns())
    t = time.perf_counter()
    ids = [client.create_run(runs_exp, run_name="run-%d" % i).info.run_id for i in range(n_runs)]
    out["create_run (one of %d)" % n_runs] = (time.perf_counter() - t) / n_runs
    ts = int(time.time() * 1000)
    for i, rid in enumerate(ids):  # untimed: what the filtered search looks at
        client.log_batch(
            rid,
            metrics=[Metric("acc", (i % 100) / 100.0, ts, 0)],
            params=[Param("model", "ab"[i % 2]), Param("lr", str(0.001 * (i % 10)))],
            tags=[RunTag("group", "g%d" % (i % 4))],
        )

    if analyze:
        analyze()
    all_runs = search_all(client, runs_exp)
    assert len(all_runs) == n_runs, "search found %d runs of %d" % (len(all_runs), n_runs)
    out["search %d runs (all, paged)" % n_runs] = timed(lambda: search_all(client, runs_exp), 5)
    flt = "metrics.acc > 0.9 and params.model = 'b'"
    expected = sum(1 for i in range(n_runs) if (i % 100) / 100.0 > 0.9 and i % 2 == 1)
    got = len(search_all(client, runs_exp, flt))
    assert got == expected, "filtered search found %d runs, expected %d" % (got, expected)
    out["search %d runs (filtered)" % n_runs] = timed(lambda: search_all(client, runs_exp, flt), 5)
    # The same searches as bare REST calls decoded with json.loads: what the server itself costs,
    # without the MLflow client's conversion of every run into entities.
    out["  REST only: search all"] = timed(lambda: rest_search_all(url, runs_exp, ""), 5)
    out["  REST only: search filtered"] = timed(lambda: rest_search_all(url, runs_exp, flt), 5)

    hrun = client.create_run(exp).info.run_id
    for b in range(hist // 1000):  # untimed setup
        client.log_batch(hrun, metrics=[Metric("h", float(b * 1000 + i), ts, b * 1000 + i) for i in range(1000)])
    got = len(client.get_metric_history(hrun, "h"))
    assert got == hist, "history has %d points, expected %d" % (got, hist)
    out["get_metric_history %dk" % (hist // 1000)] = timed(lambda: client.get_metric_history(hrun, "h"), 3)

    src = os.path.join(folder, "big.bin")
    with open(src, "wb") as f:
        for _ in range(big // (1024 * 1024)):
            f.write(os.urandom(1024 * 1024))
    arun = client.create_run(exp).info.run_id
    out["artifact %d MB up" % (big >> 20)] = timed(lambda: client.log_artifact(arun, src), 2)
    dest = os.path.join(folder, "down")

    def download():
        shutil.rmtree(dest, ignore_errors=True)
        os.makedirs(dest)
        path = client.download_artifacts(arun, "big.bin", dest)
        assert os.path.getsize(path) == big

    out["artifact %d MB down" % (big >> 20)] = timed(download, 2)

    client.log_batch(
        ids[0],
        params=[Param("p%d" % i, str(i)) for i in range(20)],
        tags=[RunTag("t%d" % i, str(i)) for i in range(20)],
    )
    out["get_run"] = timed(lambda: client.get_run(ids[0]), 300)
    out.update(model_path(url, exp))
    return out


def model_path(url, exp):
    """MLflow 3's model path: log_model of a small sklearn model (a logged model, its artifacts,
    finalize), load_model by its models:/ URI, and registering it in the model registry and loading
    it back by name and version."""
    import mlflow
    import mlflow.sklearn
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression().fit([[i % 7, i % 3] for i in range(200)], [i % 2 for i in range(200)])
    mlflow.set_tracking_uri(url)
    mlflow.set_experiment(experiment_id=exp)
    uris = []

    def log_model():
        with mlflow.start_run():
            # Requirements given, so the client's own inference (a subprocess, seconds, whatever the
            # server) does not hide what the servers cost.
            info = mlflow.sklearn.log_model(
                model,
                name="m",
                serialization_format=mlflow.sklearn.SERIALIZATION_FORMAT_CLOUDPICKLE,
                pip_requirements=["scikit-learn"],
            )
        uris.append(info.model_uri)

    out = {"log_model (small sklearn)": timed(log_model, 5)}
    loaded = mlflow.sklearn.load_model(uris[-1])
    assert list(loaded.predict([[1, 2]])) == list(model.predict([[1, 2]]))
    out["load_model (models:/ URI)"] = timed(lambda: mlflow.sklearn.load_model(uris[-1]), 5)
    versions = []
    out["register_model (a logged model)"] = timed(
        lambda: versions.append(mlflow.register_model(uris[-1], "bench-model").version), 5
    )
    out["load_model (models:/name/version)"] = timed(
        lambda: mlflow.sklearn.load_model(f"models:/bench-model/{versions[-1]}"), 5
    )
    return out


def log_call_cost(url):
    """Seconds per `log()` call of our Python client, and of MLflow's asynchronous log_metric."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
    os.environ["RUNHISTORY_SERVER"] = url
    from runhistory import start_run

    run = start_run(experiment="bench-log-cost")
    n = 1_000_000
    t = time.perf_counter()
    for i in range(n):
        run.log("loss", i * 0.001)
    ours = (time.perf_counter() - t) / n
    run.wait(timeout=300)
    run.complete().wait(timeout=60)
    return ours, n


CONCURRENT = (  # (kind in mlflow_load.closed_loop, label, the target)
    ("client_batch", "log_batch of %d (MLflow client)", 3.0),
    ("rest_batch", "  REST only: log-batch of %d", 3.0),
    ("client_search", "search_runs, 1 page (MLflow client)", 10.0),
    ("rest_search", "  REST only: runs/search, 1 page", 10.0),
)
BATCH = 100  # metrics in one concurrent log_batch call
SEARCH_FILTER = "params.lr = '0.01' and metrics.acc > 0.9"


def cpu_seconds(pids):
    """CPU time (user + system) used so far by these processes and by their children that have
    ended (a worker or database backend that exits is counted in its parent's)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
        except (OSError, IndexError, ValueError):
            pass
    return total / tick


def serving_pids(server_pid):
    """The server's process and its descendants (MLflow's workers), and PostgreSQL's processes:
    what answering a call costs, without the clients."""
    children, names = {}, {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    head, rest = f.read().rsplit(")", 1)
                children.setdefault(int(rest.split()[1]), []).append(int(entry))
                names[int(entry)] = head.split("(", 1)[1]
            except (OSError, IndexError, ValueError):
                pass
    tree, todo = [], [server_pid]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree + [pid for pid, name in names.items() if name == "postgres"]


def postgres_phases(pool, name, url, database, args, server_pid):
    """The PostgreSQL mode's measurements against one server: concurrent throughput (with the CPU
    the server and PostgreSQL spend per call), then the filtered search over args.search_runs runs."""
    from mlflow_load import TEMPLATES, Rest, clone_mlflow_runs, fill, matching, throughput

    rest = Rest(url)
    out = {"concurrent": {}, "wrong": [], "fill_errors": []}

    def experiment(label):
        return rest.post("/api/2.0/mlflow/experiments/create", {"name": "%s-%d" % (label, time.time_ns())})["experiment_id"]

    def made(indexes, seconds, exp):
        done, took, errors = fill(pool, url, exp, indexes, seconds)
        out["fill_errors"] += errors
        return done, took

    # Concurrent clients: searches over an experiment of 1,000 runs (98 found, one page of 100);
    # batches each into a run of its own.
    sexp = experiment("bench-concurrent-search")
    made(list(range(1000)), 3600, sexp)
    sflt = "params.lr = '0.01' and metrics.acc > 0.5"
    got, want = len(rest_search_all(url, sexp, sflt)), matching(range(1000), "0.01", 0.5)
    if got != want:
        out["wrong"].append("runs/search %r over 1,000 runs found %d, expected %d" % (sflt, got, want))
    out["before_analyze"] = timed(lambda: rest_search_all(url, sexp, sflt), 3)
    run_analyze(database)
    out["after_analyze"] = timed(lambda: rest_search_all(url, sexp, sflt), 3)
    bexp = experiment("bench-concurrent-batch")
    seconds = 3.0 if args.quick else 10.0
    out["seconds"] = seconds
    for kind, label, _ in CONCURRENT:
        for n in (1, args.clients):
            if kind.endswith("batch"):
                body = {"experiment_id": bexp, "start_time": int(time.time() * 1000)}
                targets = [rest.post("/api/2.0/mlflow/runs/create", body)["run"]["info"]["run_id"] for _ in range(n)]
            else:
                targets = [(sexp, sflt)] * n
            # The processes are listed again after: workers and backends come and go.
            cpu = cpu_seconds(serving_pids(server_pid))
            result = throughput(pool, kind, url, targets, seconds, BATCH)
            calls = result[0] * seconds + n  # the measured calls, and each client's warm-up call
            out["concurrent"][(kind, n)] = result
            out.setdefault("cpu", {})[(kind, n)] = (cpu_seconds(serving_pids(server_pid)) - cpu) / calls

    # The big search. Every run through REST on ours; on MLflow's, the first TEMPLATES runs and
    # whatever more it makes in a time box, the rest copied from those in SQL.
    n = args.search_runs
    exp = experiment("bench-search")
    if name == "mlflow":
        first, t1 = made(list(range(min(n, TEMPLATES))), 3600, exp)
        more, t2 = made(list(range(min(n, TEMPLATES), n)), 20 if args.quick else 60, exp)
        done, took = first + more, t1 + t2
        copied = sorted(set(range(n)) - set(done))
        if len(first) < min(n, TEMPLATES):
            raise RuntimeError("MLflow's server failed to make the template runs: %s" % out["fill_errors"][:3])
        if copied:
            clone_mlflow_runs(database, exp, copied)
    else:
        done, took = made(list(range(n)), 3600, exp)
        copied = []
    out["fill"] = (len(done), took, len(copied))
    run_analyze(database)
    got, want = len(rest_search_all(url, exp, SEARCH_FILTER)), matching(range(n), "0.01", 0.9)
    out["search_found"] = (got, want)
    if got != want:
        out["wrong"].append("runs/search %r over %d runs found %d, expected %d" % (SEARCH_FILTER, n, got, want))
    client = MlflowClient(tracking_uri=url)
    body = {"experiment_ids": [exp], "max_results": 100}
    out["search"] = {
        "search_runs, filtered (MLflow client)": timed(lambda: search_all(client, exp, SEARCH_FILTER), 3),
        "  REST only: filtered": timed(lambda: rest_search_all(url, exp, SEARCH_FILTER), 3),
        "  REST only: first 100, no filter": timed(lambda: rest.post("/api/2.0/mlflow/runs/search", body), 3),
    }
    return out


def print_postgres(pg, args):
    ours, theirs = pg["runhistory"], pg["mlflow"]
    print()
    print("Concurrent clients, each its own process, back-to-back calls for %.0f s: calls/s (median latency)"
          % ours["seconds"])
    print("%-38s %7s %21s %21s %8s %8s" % ("operation", "clients", "runhistory", "mlflow", "ratio", "target"))
    short, rows, errors = 0, 0, []
    for kind, label, want in CONCURRENT:
        label = label % BATCH if "%d" in label else label
        for n in (1, args.clients):
            a, b = ours["concurrent"][(kind, n)], theirs["concurrent"][(kind, n)]
            ratio = a[0] / b[0] if b[0] else float("inf")
            mark = "" if ratio >= want else "  below target"
            short += ratio < want
            rows += 1
            print("%-38s %7d %8.1f/s (%6.1f ms) %8.1f/s (%6.1f ms) %7.1fx %7.0fx%s"
                  % (label, n, a[0], a[1] * 1e3, b[0], b[1] * 1e3, ratio, want, mark))
            cpu_a, cpu_b = ours["cpu"][(kind, n)], theirs["cpu"][(kind, n)]
            print("%-38s %7s %10.2f ms CPU %13.2f ms CPU %7.1fx" % (
                "  server + PostgreSQL CPU per call", "", cpu_a * 1e3, cpu_b * 1e3, cpu_b / cpu_a if cpu_a else float("inf")))
            for server, r in (("runhistory", a), ("mlflow", b)):
                if r[2]:
                    errors.append("%s, %s, %d clients: %d failed calls, first: %s" % (label.strip(), server, n, r[2], r[3]))
                if r[4]:
                    errors.append("%s, %s, %d clients: %d clients started late" % (label.strip(), server, n, r[4]))
    print("%d of %d concurrent rows below target" % (short, rows))
    # The MLflow client's own time per search (client row minus REST row, on ours, 1 client) is
    # spent whatever the server: even a server answering in no time could not beat this ratio.
    client_ours, rest_ours = ours["concurrent"][("client_search", 1)][1], ours["concurrent"][("rest_search", 1)][1]
    client_theirs = theirs["concurrent"][("client_search", 1)][1]
    own = client_ours - rest_ours
    if own > 0:
        print("  the MLflow client's own time per search: %.1f ms; through it no server can beat mlflow"
              " by more than %.1fx (its client-row latency over that)" % (own * 1e3, client_theirs / own))
    print("  the search above, REST, 1 client, on its 1,000 runs just made and before ANALYZE: runhistory"
          " %.1f ms, mlflow %.1f ms; after ANALYZE (as in every figure here): %.1f ms, %.1f ms"
          % (ours["before_analyze"] * 1e3, theirs["before_analyze"] * 1e3, ours["after_analyze"] * 1e3,
             theirs["after_analyze"] * 1e3))
    for e in errors:
        print("  " + e)

    (n_ours, s_ours, _), (n_theirs, s_theirs, copied) = ours["fill"], theirs["fill"]
    print()
    print("Making the runs of the search, runs/create + runs/log-batch over REST by %d processes:" % args.clients)
    print("  runhistory: %d runs in %.1f s, %.0f runs/s" % (n_ours, s_ours, n_ours / s_ours))
    print("  mlflow:     %d runs in %.1f s, %.0f runs/s%s" % (
        n_theirs, s_theirs, n_theirs / s_theirs, ", %d more copied from them in SQL" % copied if copied else ""))
    print("  ratio %.1fx" % ((n_ours / s_ours) / (n_theirs / s_theirs)))
    for server, r in (("runhistory", ours), ("mlflow", theirs)):
        if r["fill_errors"]:
            print("  errors: %s, %d failed runs, first: %s" % (server, len(r["fill_errors"]), r["fill_errors"][0]))
    print()
    print("Search over %d runs (then ANALYZE), filter %s: found %d on runhistory, %d on mlflow, expected %d"
          % (args.search_runs, SEARCH_FILTER, ours["search_found"][0], theirs["search_found"][0], ours["search_found"][1]))
    print("%-38s %12s %12s %8s" % ("operation", "runhistory", "mlflow", "ratio"))
    for op, t_ours in ours["search"].items():
        t_theirs = theirs["search"][op]
        print("%-38s %9.1f ms %9.1f ms %7.1fx" % (op, t_ours * 1e3, t_theirs * 1e3, t_theirs / t_ours))
    for server, r in (("runhistory", ours), ("mlflow", theirs)):
        for w in r["wrong"]:
            print("WRONG (%s): %s" % (server, w))
    log = [line for line in pg.get("server_log", []) if line.strip()]
    print()
    print("runhistory's stderr: %d lines%s" % (len(log), "" if not log else ", the first ones:"))
    for line in log[:20]:
        print("  " + line[:300])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runhistory", required=True, help="the runhistory binary (release)")
    ap.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    ap.add_argument("--postgres", metavar="ADMIN_URL", help="run both servers over new databases on this PostgreSQL server")
    ap.add_argument("--search-runs", type=int, help="runs of the big search (--postgres; 100,000, 10,000 with --quick)")
    ap.add_argument("--clients", type=int, default=20, help="concurrent clients (--postgres)")
    args = ap.parse_args()
    if args.search_runs is None:
        args.search_runs = 10_000 if args.quick else 100_000

    import mlflow

    results, pg = {}, {}
    pool = None
    if args.postgres:
        from mlflow_load import Pool

        pool = Pool(args.clients)
    try:
        with tempfile.TemporaryDirectory(prefix="rh-bench-") as folder:
            for name, start in (
                ("runhistory", lambda d, db=None: start_ours(args.runhistory, d, db)),
                ("mlflow", start_mlflow),
            ):
                sub = os.path.join(folder, name)
                os.makedirs(sub)
                db = ScratchDatabase(args.postgres) if args.postgres else None
                try:
                    proc, url = start(sub, db.url) if db else start(sub)
                    try:
                        analyze = (lambda: run_analyze(db.url)) if db else None
                        results[name] = workload(url, sub, args.quick, analyze)
                        if name == "runhistory":
                            results["log_cost"] = log_call_cost(url)
                        if db:
                            pg[name] = postgres_phases(pool, name, url, db.url, args, proc.pid)
                    finally:
                        stop(proc)
                    if db and name == "runhistory":
                        pg["server_log"] = open(os.path.join(sub, "server.log")).read().splitlines()
                finally:
                    if db:
                        db.drop()
    finally:
        if pool:
            pool.close()

    ours, theirs = results["runhistory"], results["mlflow"]
    store = "PostgreSQL %s" % postgres_version(args.postgres) if args.postgres else "SQLite"
    print("MLflow client %s against runhistory and a stock `mlflow server` %s (%s, loopback)"
          % (mlflow.__version__, mlflow.__version__, store))
    print("%-34s %12s %12s %8s %8s" % ("operation", "runhistory", "mlflow", "ratio", "target"))
    short = 0
    for op, t_ours in ours.items():
        t_theirs = theirs[op]
        ratio = t_theirs / t_ours
        want = target(op)
        mark = "" if ratio >= want else "  below target"
        short += ratio < want
        print("%-34s %9.3f ms %9.3f ms %7.1fx %7.0fx%s" % (op, t_ours * 1e3, t_theirs * 1e3, ratio, want, mark))
    cost, n = results["log_cost"]
    print("Python log() call, %d calls: %.2f us each (target <= 10 us)" % (n, cost * 1e6))
    print("%d of %d operations below target" % (short, len(ours)))
    if args.postgres:
        print_postgres(pg, args)


def run_analyze(database):
    """PostgreSQL's ANALYZE of every table: statistics as autovacuum leaves them after a while
    (it looks once a minute), so that a search just after a load is not planned blind."""
    subprocess.run(["psql", database, "-qc", "ANALYZE"], check=True)


def postgres_version(admin_url):
    out = subprocess.run(["psql", admin_url, "-Atc", "SHOW server_version"], capture_output=True, text=True)
    return out.stdout.split()[0] if out.returncode == 0 and out.stdout.strip() else "?"


if __name__ == "__main__":
    main()
