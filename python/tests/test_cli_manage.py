"""Run management from the CLI (rename, tag, describe, delete, undelete, list --deleted) against our
server and against a stock `mlflow server`, checked with MLflow's own client: what the CLI changes
is what an MLflow user sees."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

mlflow = pytest.importorskip("mlflow")

from mlflow import MlflowClient  # noqa: E402
from conftest import BIN, Server, scratch_database  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stock_mlflow_server(folder):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port),
         "--backend-store-uri", f"sqlite:///{folder}/mlflow.db", "--artifacts-destination", str(folder / "art"),
         "--workers", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while True:
        try:
            urllib.request.urlopen(url + "/health", timeout=1)
            return proc, url
        except OSError:
            assert proc.poll() is None, "mlflow server exited"
            assert time.time() < deadline, "mlflow server did not start"
            time.sleep(0.2)


@pytest.fixture(params=["runhistory", "runhistory-postgres", "mlflow"])
def url(request, tmp_path):
    if request.param.startswith("runhistory"):
        db = scratch_database() if request.param == "runhistory-postgres" else None
        s = Server(tmp_path / "store", database=db and db.url).start()
        yield s.url
        s.stop()
        if db:
            db.drop()
        return
    proc, url = stock_mlflow_server(tmp_path)
    yield url
    os.killpg(proc.pid, 9)
    proc.wait()


def cli(url, *args):
    out = subprocess.run([BIN, "--server", url, *args], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_the_cli_manages_runs_as_mlflow_sees_them(url):
    client = MlflowClient(url)
    exp = client.create_experiment("manage")
    run_id = client.create_run(exp, run_name="first").info.run_id
    client.create_run(exp, run_name="second")

    cli(url, "rename", "-r", run_id, "tuned-lr")
    assert client.get_run(run_id).info.run_name == "tuned-lr"

    cli(url, "tag", "-r", run_id, "team=vision", "stage=dev")
    cli(url, "tag", "-r", run_id, "--remove", "stage")
    tags = client.get_run(run_id).data.tags
    assert tags["team"] == "vision" and "stage" not in tags

    note = "# Sweep\nlr from 0.1 to 0.001, *best* at 0.01"
    cli(url, "describe", "-r", run_id, note)
    assert client.get_run(run_id).data.tags["mlflow.note.content"] == note

    cli(url, "delete", "-r", run_id)
    assert client.get_run(run_id).info.lifecycle_stage == "deleted"
    active = json.loads(cli(url, "list", "-e", "manage"))
    trash = json.loads(cli(url, "list", "--deleted", "-e", "manage"))
    assert run_id not in {r["run_id"] for r in active}
    assert [r["run_id"] for r in trash] == [run_id]

    cli(url, "undelete", "-r", run_id)
    assert client.get_run(run_id).info.lifecycle_stage == "active"
    assert json.loads(cli(url, "list", "--deleted", "-e", "manage")) == []


def test_bad_management_input_is_refused_and_changes_nothing(url):
    client = MlflowClient(url)
    exp = client.create_experiment("manage")
    run_id = client.create_run(exp, run_name="keep").info.run_id
    for args in (["tag", "-r", run_id, "no-equals-sign"], ["rename", "-r", run_id, " "], ["tag", "-r", run_id]):
        out = subprocess.run([BIN, "--server", url, *args], capture_output=True, text=True)
        assert out.returncode != 0, args
        assert out.stderr.strip() and len(out.stderr.strip().splitlines()) == 1, out.stderr
    missing = subprocess.run([BIN, "--server", url, "delete", "-r", "0" * 32], capture_output=True, text=True)
    assert missing.returncode != 0
    run = client.get_run(run_id)
    assert (run.info.run_name, run.info.lifecycle_stage) == ("keep", "active")
