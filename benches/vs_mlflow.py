"""One client workload, the official MLflow client's, against our server and a stock `mlflow server`
(SQLite store, artifacts served by it, on loopback) in the same run; prints each operation's time
on both and the ratio (MLflow's time / ours). Then the cost of one Python `log()` call of our
client. Run it through scripts/bench-vs-mlflow, which builds the binary and the virtualenv.

    python benches/vs_mlflow.py --runhistory target/release/runhistory [--quick]
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

from benchlib import free_port, start_runhistory
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


def start_ours(binary, folder):
    proc, url = start_runhistory(binary, os.path.join(folder, "store"))
    threading.Thread(target=proc.stdout.read, daemon=True).start()  # keep its pipe drained
    wait_healthy(url, proc)
    return proc, url


def start_mlflow(folder):
    port = free_port()
    mlflow_bin = os.path.join(os.path.dirname(sys.executable), "mlflow")
    proc = subprocess.Popen(
        [
            mlflow_bin, "server",
            "--backend-store-uri", "sqlite:///" + os.path.join(folder, "mlflow.db"),
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


def workload(url, folder, quick):
    """Seconds per operation (median of repeats) of the MLflow client against `url`."""
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runhistory", required=True, help="the runhistory binary (release)")
    ap.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = ap.parse_args()

    import mlflow

    results = {}
    with tempfile.TemporaryDirectory(prefix="rh-bench-") as folder:
        for name, start in (("runhistory", lambda d: start_ours(args.runhistory, d)), ("mlflow", start_mlflow)):
            sub = os.path.join(folder, name)
            os.makedirs(sub)
            proc, url = start(sub)
            try:
                results[name] = workload(url, sub, args.quick)
                if name == "runhistory":
                    results["log_cost"] = log_call_cost(url)
            finally:
                stop(proc)

    ours, theirs = results["runhistory"], results["mlflow"]
    print("MLflow client %s against runhistory and a stock `mlflow server` %s (SQLite, loopback)"
          % (mlflow.__version__, mlflow.__version__))
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


if __name__ == "__main__":
    main()
