"""A team server with users (`serve --auth`), on SQLite and PostgreSQL, through the official MLflow
client: users made by `runhistory user add` with a token printed once; a writer logs under its own
name whatever its machine says; a reader reads and is refused every write with PERMISSION_DENIED,
nothing of it stored; no token, a wrong token, a removed user's or a rotated-out token get 401;
basic auth (MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD) works as a bearer token does."""

import base64
import json
import os
import subprocess
import urllib.error
import urllib.request

import pytest

from conftest import BIN

mlflow = pytest.importorskip("mlflow")
from mlflow.exceptions import MlflowException  # noqa: E402


def users_cli(store, database, *args):
    """`runhistory user|token ...` on the server's store; its stdout's last line (a token) and all."""
    place = ["--database", database] if database else []
    env = {k: v for k, v in os.environ.items() if k not in ("RUNHISTORY_DATABASE", "RUNHISTORY_SERVER")}
    out = subprocess.run([BIN, "--store", str(store), *args, *place], capture_output=True, text=True, env=env,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


class AuthServer:
    def __init__(self, store, database, extra=()):
        args = [BIN, "serve", "--port", "0", "--store", str(store), "--auth", *extra]
        if database:
            args += ["--database", database]
        env = {k: v for k, v in os.environ.items() if k not in ("RUNHISTORY_DATABASE", "RUNHISTORY_SERVER")}
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        self.url = self.proc.stdout.readline().split()[-1]

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def status(url, path, headers=None):
    req = urllib.request.Request(url + path, headers=headers or {})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


@pytest.fixture
def client_env(monkeypatch):
    """The official client's credentials come from the environment, as a user's script sets them."""
    for k in ("MLFLOW_TRACKING_TOKEN", "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_URI"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    return monkeypatch


def as_user(monkeypatch, url, token=None, basic=None):
    monkeypatch.delenv("MLFLOW_TRACKING_TOKEN", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_USERNAME", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_PASSWORD", raising=False)
    if token:
        monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", token)
    if basic:
        monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", basic[0])
        monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", basic[1])
    return mlflow.MlflowClient(tracking_uri=url)


def test_users_roles_and_tokens_through_the_official_client(tmp_path, database, client_env):
    store = tmp_path / "store"
    ana = users_cli(store, database, "user", "add", "ana", "--role", "writer").strip().splitlines()[-1]
    rui = users_cli(store, database, "user", "add", "rui", "--role", "reader").strip().splitlines()[-1]
    assert ana.startswith("rh_") and rui.startswith("rh_") and ana != rui
    listed = users_cli(store, database, "user", "list")
    assert [line.split("\t")[:2] for line in listed.splitlines()] == [["ana", "writer"], ["rui", "reader"]]
    assert ana not in listed and rui not in listed, "a token is shown only when made"

    server = AuthServer(store, database)
    try:
        url = server.url
        # No token, a wrong one: 401, in MLflow's JSON error form.
        code, body = status(url, "/api/2.0/mlflow/experiments/search?max_results=10")
        assert (code, body.get("error_code")) == (401, "UNAUTHENTICATED"), body
        code, _ = status(url, "/api/2.0/mlflow/experiments/search?max_results=10",
                         {"Authorization": "Bearer rh_" + "0" * 64})
        assert code == 401
        with pytest.raises(MlflowException):
            as_user(client_env, url).search_experiments()

        # The writer logs; the run is its own, whatever name its machine has.
        writer = as_user(client_env, url, token=ana)
        exp = writer.create_experiment("shared")
        run = writer.create_run(exp, tags={"mlflow.user": "root"})
        writer.log_metric(run.info.run_id, "loss", 0.5, step=1)
        got = writer.get_run(run.info.run_id)
        assert (got.info.user_id, got.data.tags["mlflow.user"]) == ("ana", "ana")
        code, info = status(url, "/api/2.0/runhistory/server-info", {"Authorization": "Bearer " + ana})
        assert (code, info["user"]["name"], info["user"]["role"]) == (200, "ana", "writer"), info

        # A run made with no user tag at all (a raw REST call) gets its maker's; no one may claim
        # another user's name for a run afterwards.
        req = urllib.request.Request(url + "/api/2.0/mlflow/runs/create", method="POST",
                                     data=json.dumps({"experiment_id": exp}).encode(),
                                     headers={"Authorization": "Bearer " + ana, "Content-Type": "application/json"})
        bare = json.load(urllib.request.urlopen(req))["run"]
        tags = {t["key"]: t["value"] for t in bare["data"].get("tags", [])}
        assert (bare["info"]["user_id"], tags.get("mlflow.user")) == ("ana", "ana"), bare
        with pytest.raises(MlflowException) as e:
            writer.set_tag(run.info.run_id, "mlflow.user", "rui")
        assert e.value.error_code == "PERMISSION_DENIED", e.value
        assert writer.get_run(run.info.run_id).data.tags["mlflow.user"] == "ana"

        # The reader reads, and every write is refused with nothing stored.
        reader = as_user(client_env, url, token=rui)
        assert [m.value for m in reader.get_metric_history(run.info.run_id, "loss")] == [0.5]
        refused = [
            lambda: reader.create_experiment("mine"),
            lambda: reader.log_metric(run.info.run_id, "loss", 9.0, step=2),
            lambda: reader.set_tag(run.info.run_id, "k", "v"),
            lambda: reader.delete_run(run.info.run_id),
        ]
        for write in refused:
            with pytest.raises(MlflowException) as e:
                write()
            assert e.value.error_code == "PERMISSION_DENIED", e.value
        assert [m.value for m in writer.get_metric_history(run.info.run_id, "loss")] == [0.5]
        assert "k" not in writer.get_run(run.info.run_id).data.tags
        assert writer.get_experiment_by_name("mine") is None
        assert writer.get_run(run.info.run_id).info.lifecycle_stage == "active"

        # Basic auth with the user's name and token, as MLflow sends it; another user's name fails.
        basic = as_user(client_env, url, basic=("ana", ana))
        assert basic.get_run(run.info.run_id).info.run_id == run.info.run_id
        with pytest.raises(MlflowException):
            as_user(client_env, url, basic=("rui", ana)).search_experiments()
        assert status(url, "/api/2.0/runhistory/server-info", {"Authorization": "basic " + base64.b64encode(
            (":" + ana).encode()).decode()})[0] == 200, "no name: the token alone says who"
        assert urllib.request.urlopen(url + "/health").status == 200, "a load balancer's check needs no user"

        # A rotated token replaces the old one at once; a removed user is out.
        new = users_cli(store, database, "token", "rotate", "ana").strip().splitlines()[-1]
        assert status(url, "/api/2.0/runhistory/server-info", {"Authorization": "Bearer " + ana})[0] == 401
        assert status(url, "/api/2.0/runhistory/server-info", {"Authorization": "Bearer " + new})[0] == 200
        users_cli(store, database, "user", "remove", "rui")
        assert status(url, "/api/2.0/runhistory/server-info", {"Authorization": "Bearer " + rui})[0] == 401
    finally:
        server.stop()


def test_users_are_for_a_store_of_ours_not_a_history_read_in_place(tmp_path):
    """`serve --auth` over a history read in place is refused at once, not served to anyone."""
    logdir = tmp_path / "logs"
    logdir.mkdir()
    out = subprocess.run([BIN, "serve", "--port", "0", "--auth", "--logdir", str(logdir)], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode != 0 and "--auth" in out.stderr, out.stderr
