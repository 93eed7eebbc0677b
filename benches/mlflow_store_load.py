"""MLflow stores opened in place: ours against MLflow's own client reading every point, in one run.

Makes an MLflow SQLite store (MLflow's client creates it, its schema and a first run; the bulk of
runs, params, tags and metric points is then inserted as rows of that schema, since logging a
million points through the client takes most of an hour) and, with `--kind file`, the same runs as
an `mlruns` folder store laid out as MLflow writes it. Then times, on the same store:

- ours: `runhistory --mlflow-store URI list -e bench` as a new process: the store opened, every
  run and every point read into the index, the runs listed;
- MLflow's client: `search_runs` over the experiment and `get_metric_history` of every run's every
  metric (what showing each run's curves takes through MLflow's own client, every point kept).

    python3 benches/mlflow_store_load.py [--runs 1000] [--metrics 5] [--steps 200] [--kind sqlite|file]

Needs mlflow (as the tests' venv has) and a release build (`cargo build --release`), or
RUNHISTORY_BIN pointing at a binary."""

import argparse
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
T0 = 1_700_000_000_000


def make_rows(runs, metrics, steps, artifact_root):
    random.seed(7)
    out = []
    for r in range(runs):
        rid = uuid.uuid4().hex
        start = T0 + r * 1000
        points = {
            "metric_%d" % k: [(start + s * 100, 1.0 / (s + 1) + k + r * 1e-6, s) for s in range(steps)]
            for k in range(metrics)
        }
        out.append({
            "id": rid, "name": "run-%d" % r, "start": start, "end": start + steps * 100,
            "params": {"lr": str(10.0 ** -random.randint(1, 4)), "seed": str(r)},
            "tags": {"mlflow.runName": "run-%d" % r, "mlflow.user": "bench"},
            "points": points, "artifacts": os.path.join(artifact_root, rid, "artifacts"),
        })
    return out


def sqlite_store(folder, rows):
    """An MLflow SQLite store: made by MLflow's client, then filled with `rows` in its schema."""
    import mlflow

    path = os.path.join(folder, "mlflow.db")
    uri = "sqlite:///" + path
    client = mlflow.MlflowClient(tracking_uri=uri)
    exp = client.create_experiment("bench", artifact_location=os.path.join(folder, "mlruns", "1"))
    db = sqlite3.connect(path)
    db.executemany(
        "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time,"
        " end_time, source_version, lifecycle_stage, artifact_uri, experiment_id)"
        " VALUES (?, ?, 'LOCAL', 'train.py', '', 'bench', 'FINISHED', ?, ?, '', 'active', ?, ?)",
        [(r["id"], r["name"], r["start"], r["end"], r["artifacts"], int(exp)) for r in rows])
    db.executemany("INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)",
                   [(k, v, r["id"]) for r in rows for k, v in r["params"].items()])
    db.executemany("INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?)",
                   [(k, v, r["id"]) for r in rows for k, v in r["tags"].items()])
    db.executemany("INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES (?, ?, ?, ?, ?, 0)",
                   [(k, v, t, r["id"], s) for r in rows for k, pts in r["points"].items() for t, v, s in pts])
    db.executemany("INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, ?, 0, ?)",
                   [(k, pts[-1][1], pts[-1][0], pts[-1][2], r["id"]) for r in rows for k, pts in r["points"].items()])
    db.commit()
    db.close()
    return uri


def file_store(folder, rows):
    """The same runs as an `mlruns` folder, in the layout MLflow's folder store writes."""
    root = os.path.join(folder, "mlruns")
    for exp_id, name in (("0", "Default"), ("1", "bench")):
        os.makedirs(os.path.join(root, exp_id), exist_ok=True)
        with open(os.path.join(root, exp_id, "meta.yaml"), "w") as f:
            f.write("artifact_location: %s\ncreation_time: %d\nexperiment_id: '%s'\nlast_update_time: %d\n"
                    "lifecycle_stage: active\nname: %s\n" % (os.path.join(root, exp_id), T0, exp_id, T0, name))
    for r in rows:
        run = os.path.join(root, "1", r["id"])
        for sub in ("params", "tags", "metrics", "artifacts"):
            os.makedirs(os.path.join(run, sub))
        with open(os.path.join(run, "meta.yaml"), "w") as f:
            f.write("artifact_uri: %s\nend_time: %d\nentry_point_name: ''\nexperiment_id: '1'\n"
                    "lifecycle_stage: active\nrun_id: %s\nrun_name: %s\nsource_name: ''\nsource_type: 4\n"
                    "source_version: ''\nstart_time: %d\nstatus: 3\ntags: []\nuser_id: bench\n"
                    % (os.path.join(run, "artifacts"), r["end"], r["id"], r["name"], r["start"]))
        for kind in ("params", "tags"):
            for k, v in r[kind].items():
                with open(os.path.join(run, kind, k), "w") as f:
                    f.write(v)
        for k, pts in r["points"].items():
            with open(os.path.join(run, "metrics", k), "w") as f:
                f.writelines("%d %r %d\n" % p for p in pts)
    return root


def ours(binary, uri):
    t = time.perf_counter()
    out = subprocess.run([binary, "--mlflow-store", uri, "list", "-e", "bench", "-o", "json"],
                         capture_output=True, text=True, check=True)
    return time.perf_counter() - t, out.stdout.count('"run_id"')


def mlflow_client(uri):
    import mlflow
    from mlflow.entities import ViewType

    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    t = time.perf_counter()
    client = mlflow.MlflowClient(tracking_uri=uri)
    exp = client.get_experiment_by_name("bench")
    points = 0
    runs = client.search_runs([exp.experiment_id], run_view_type=ViewType.ALL, max_results=50_000)
    for run in runs:
        for key in run.data.metrics:
            points += len(client.get_metric_history(run.info.run_id, key))
    return time.perf_counter() - t, len(runs), points


def main():
    warnings.simplefilter("ignore")
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=1000)
    p.add_argument("--metrics", type=int, default=5)
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--kind", choices=("sqlite", "file"), default="sqlite")
    a = p.parse_args()
    binary = os.environ.get("RUNHISTORY_BIN") or os.path.join(HERE, "..", "target", "release", "runhistory")
    with tempfile.TemporaryDirectory() as folder:
        rows = make_rows(a.runs, a.metrics, a.steps, os.path.join(folder, "mlruns", "1"))
        uri = sqlite_store(folder, rows) if a.kind == "sqlite" else file_store(folder, rows)
        total = a.runs * a.metrics * a.steps
        ours_s, listed = ours(binary, uri)
        theirs_s, runs, points = mlflow_client(uri)
        assert listed == a.runs and runs == a.runs and points == total, (listed, runs, points)
        print("mlflow store (%s), %s runs x %d metrics x %d steps (%s points): opened and listed by ours "
              "in %.2f s; MLflow's client reads every point in %.2f s: %.1fx"
              % (a.kind, format(a.runs, ","), a.metrics, a.steps, format(total, ","), ours_s, theirs_s,
                 theirs_s / ours_s))
    return 0


if __name__ == "__main__":
    sys.exit(main())
