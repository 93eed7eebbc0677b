"""The official MLflow client (mlflow from PyPI) performs every call of the reference
document against our server: experiments, runs, metrics, params, tags, batches, search, history,
artifacts and the error cases."""

import json
import math
import os
import urllib.error
import urllib.request

import pytest

mlflow = pytest.importorskip("mlflow")
from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import Metric, Param, RunTag, ViewType  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402


@pytest.fixture
def client(server, monkeypatch):
    monkeypatch.setenv("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    mlflow.set_tracking_uri(server.url)
    return MlflowClient(server.url)


def code_of(exc_info):
    return exc_info.value.error_code


def test_experiments(client):
    exp_id = client.create_experiment("conformance", tags={"team": "ml"})
    assert exp_id == "1"
    e = client.get_experiment(exp_id)
    assert (e.name, e.lifecycle_stage, e.tags["team"]) == ("conformance", "active", "ml")
    assert e.artifact_location == "mlflow-artifacts:/1"
    assert client.get_experiment_by_name("conformance").experiment_id == exp_id
    assert client.get_experiment_by_name("nope") is None
    names = {x.name for x in client.search_experiments()}
    assert names == {"Default", "conformance"}
    assert [x.name for x in client.search_experiments(filter_string="name LIKE 'conf%'")] == ["conformance"]
    with pytest.raises(MlflowException) as e:
        client.create_experiment("conformance")
    assert code_of(e) == "RESOURCE_ALREADY_EXISTS"
    client.set_experiment_tag(exp_id, "stage", "dev")
    client.rename_experiment(exp_id, "renamed")
    assert client.get_experiment(exp_id).name == "renamed"
    client.delete_experiment(exp_id)
    assert client.get_experiment(exp_id).lifecycle_stage == "deleted"
    assert "renamed" not in {x.name for x in client.search_experiments()}
    assert "renamed" in {x.name for x in client.search_experiments(view_type=ViewType.DELETED_ONLY)}
    client.restore_experiment(exp_id)
    assert client.get_experiment(exp_id).lifecycle_stage == "active"
    with pytest.raises(MlflowException) as e:
        client.get_experiment("999999")
    assert code_of(e) == "RESOURCE_DOES_NOT_EXIST"


def test_runs_metrics_params_tags(client):
    exp_id = client.create_experiment("runs")
    run = client.create_run(exp_id, run_name="first", tags={"k": "v"})
    rid = run.info.run_id
    assert len(rid) == 32 and run.info.status == "RUNNING"
    assert run.data.tags["mlflow.runName"] == "first"
    client.log_metric(rid, "loss", 0.5, step=1)
    client.log_metric(rid, "loss", 0.25, step=2)
    client.log_metric(rid, "weird", float("nan"))
    client.log_metric(rid, "big", float("inf"))
    client.log_param(rid, "lr", 0.01)
    client.log_param(rid, "lr", 0.01)  # the same value again is fine
    with pytest.raises(MlflowException) as e:
        client.log_param(rid, "lr", 0.02)
    assert code_of(e) == "INVALID_PARAMETER_VALUE"
    client.set_tag(rid, "phase", "train")
    client.delete_tag(rid, "k")
    client.log_batch(
        rid,
        metrics=[Metric("acc", i / 1500, 0, i) for i in range(1500)],  # the client splits this in two requests
        params=[Param("batch", "32")],
        tags=[RunTag("t2", "x")],
    )
    got = client.get_run(rid)
    assert got.data.metrics["loss"] == 0.25
    assert math.isnan(got.data.metrics["weird"])
    assert got.data.metrics["big"] == float("inf")
    assert got.data.metrics["acc"] == pytest.approx(1499 / 1500)
    assert got.data.params == {"lr": "0.01", "batch": "32"}
    assert "k" not in got.data.tags and got.data.tags["phase"] == "train" and got.data.tags["t2"] == "x"
    assert len(client.get_metric_history(rid, "acc")) == 1500
    client.set_terminated(rid, "FINISHED")
    got = client.get_run(rid)
    assert got.info.status == "FINISHED" and got.info.end_time is not None
    client.update_run(rid, name="renamed")
    assert client.get_run(rid).info.run_name == "renamed"
    client.delete_run(rid)
    assert client.get_run(rid).info.lifecycle_stage == "deleted"
    client.restore_run(rid)
    assert client.get_run(rid).info.lifecycle_stage == "active"
    with pytest.raises(MlflowException) as e:
        client.get_run("0" * 32)
    assert code_of(e) == "RESOURCE_DOES_NOT_EXIST"
    # The client splits batches itself, so send the 1001-metric request as it would look unsplit.
    body = {"run_id": rid, "metrics": [{"key": "x", "value": 1, "timestamp": 0, "step": 0}] * 1001}
    req = urllib.request.Request(client.tracking_uri + "/api/2.0/mlflow/runs/log-batch", json.dumps(body).encode(),
                                 {"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req)
    assert e.value.code == 400
    error = json.loads(e.value.read())
    assert error["error_code"] == "INVALID_PARAMETER_VALUE" and "at most 1000 metrics" in error["message"]


def test_metric_history_pages_past_25000_points(client):
    exp_id = client.create_experiment("history")
    rid = client.create_run(exp_id).info.run_id
    for start in range(0, 30000, 1000):
        client.log_batch(rid, metrics=[Metric("m", float(i), 1700000000000 + i, i) for i in range(start, start + 1000)])
    hist = client.get_metric_history(rid, "m")
    assert len(hist) == 30000
    assert sorted(m.step for m in hist) == list(range(30000))


def test_search_runs_filters_orders_and_pages(client):
    exp_id = client.create_experiment("search")
    for i in range(12):
        rid = client.create_run(exp_id, run_name="r%d" % i).info.run_id
        client.log_metric(rid, "acc", i / 10)
        client.log_param(rid, "even", str(i % 2 == 0))
        if i < 3:
            client.set_terminated(rid, "FAILED")
    runs = client.search_runs([exp_id], "metrics.acc > 0.5 and params.even = 'True'", order_by=["metrics.acc DESC"])
    assert [r.data.metrics["acc"] for r in runs] == [1.0, 0.8, 0.6]
    assert len(client.search_runs([exp_id], "attributes.status = 'FAILED'")) == 3
    assert len(client.search_runs([exp_id], "tags.`mlflow.runName` LIKE 'r1%'")) == 3  # r1, r10, r11
    page = client.search_runs([exp_id], max_results=5)
    assert len(page) == 5 and page.token
    rest = client.search_runs([exp_id], max_results=50, page_token=page.token)
    assert len(rest) == 7
    assert {r.info.run_id for r in page} .isdisjoint({r.info.run_id for r in rest})
    with pytest.raises(MlflowException) as e:
        client.search_runs([exp_id], "metrics.acc >>> 1")
    assert code_of(e) == "INVALID_PARAMETER_VALUE"
    # Beyond MLflow's grammar: OR, NOT and parentheses.
    assert len(client.search_runs([exp_id], "(metrics.acc < 0.1 OR metrics.acc >= 1.0) AND NOT params.even = 'False'")) == 2


def test_fluent_api_and_artifacts(client, tmp_path):
    mlflow.set_experiment("fluent")
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("alpha")
    (src / "sub" / "b.json").write_text('{"b": 1}')
    with mlflow.start_run(run_name="fluent-run") as run:
        mlflow.log_param("p", 1)
        mlflow.log_metrics({"x": 1.0, "y": 2.0})
        mlflow.set_tag("t", "v")
        mlflow.log_artifact(str(src / "a.txt"))
        mlflow.log_artifacts(str(src), artifact_path="tree")
        mlflow.log_text("some text", "notes/readme.txt")
    rid = run.info.run_id
    got = client.get_run(rid)
    assert got.info.status == "FINISHED" and got.data.params == {"p": "1"} and got.data.metrics == {"x": 1.0, "y": 2.0}
    assert {f.path for f in client.list_artifacts(rid)} == {"a.txt", "tree", "notes"}
    assert {f.path for f in client.list_artifacts(rid, "tree")} == {"tree/a.txt", "tree/sub"}
    sizes = {f.path: f.file_size for f in client.list_artifacts(rid, "tree/sub")}
    assert sizes == {"tree/sub/b.json": 8}
    out = tmp_path / "out"
    out.mkdir()
    path = client.download_artifacts(rid, "tree", str(out))
    assert open(os.path.join(path, "sub", "b.json")).read() == '{"b": 1}'
    assert mlflow.artifacts.load_text("runs:/%s/notes/readme.txt" % rid) == "some text"
    with pytest.raises(MlflowException):
        client.download_artifacts(rid, "missing.txt", str(out))


def test_images_logged_at_steps_are_named_as_the_workbench_reads_them(client):
    # The workbench's slider over steps reads `images/<key>+step+<n>+timestamp+<ms>+<id>.png`
    # (a / in the key as ~), and leaves MLflow's `+compressed.webp` copy aside: if a new MLflow
    # names them otherwise, this says so.
    import re

    import numpy as np

    mlflow.set_experiment("images")
    with mlflow.start_run() as run:
        for step in (0, 5):
            mlflow.log_image(np.full((4, 6, 3), step * 40, dtype=np.uint8), key="val/samples", step=step)
    names = {f.path for f in client.list_artifacts(run.info.run_id, "images")}
    full = re.compile(r"^images/val~samples\+step\+(\d+)\+timestamp\+\d+\+[0-9a-f-]+\.png$")
    steps = sorted(int(m.group(1)) for m in map(full.match, names) if m)
    assert steps == [0, 5], names
    assert sum(n.endswith("+compressed.webp") for n in names) == 2, names
    png = [n for n in names if full.match(n) and "+step+5+" in n][0]
    out = client.download_artifacts(run.info.run_id, png)
    assert open(out, "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def test_token_through_mlflow_tracking_token(tmp_path, monkeypatch):
    from conftest import Server

    s = Server(tmp_path / "store", token="t0ken").start()
    try:
        monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
        c = MlflowClient(s.url)
        monkeypatch.delenv("MLFLOW_TRACKING_TOKEN", raising=False)
        with pytest.raises(MlflowException):
            c.create_experiment("no-token")
        monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "t0ken")
        assert c.create_experiment("with-token") == "1"
    finally:
        s.stop()
