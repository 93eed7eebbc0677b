"""Per-experiment permissions on a team server (`serve --auth`), in MLflow's model, through the
official MLflow client and its auth client, on SQLite and PostgreSQL: the maker of an experiment
manages it; another writer reads it (the default, READ) and is refused every write there with
PERMISSION_DENIED, nothing stored, until granted EDIT; EDIT writes but does not delete; MANAGE
grants; NO_PERMISSIONS hides an experiment; a reader stays a reader whatever it is granted; an
admin may do all; `--default-permission` and `runhistory permission` set the rest."""

import hashlib
import json
import subprocess
import urllib.error
import urllib.request

import pytest

from conftest import BIN
from test_users_auth import AuthServer, as_user, client_env, status, users_cli  # noqa: F401

mlflow = pytest.importorskip("mlflow")
from mlflow.exceptions import MlflowException  # noqa: E402
from mlflow.server import get_app_client  # noqa: E402


def refused(write):
    with pytest.raises(MlflowException) as e:
        write()
    assert e.value.error_code == "PERMISSION_DENIED", e.value
    return str(e.value)


def auth_client(monkeypatch, url, token):
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", token)
    return get_app_client("basic-auth", tracking_uri=url)


def raw(url, path, token, method="GET", body=None, content_type="application/json"):
    req = urllib.request.Request(url + path, method=method, data=body,
                                 headers={"Authorization": "Bearer " + token, "Content-Type": content_type})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def test_writers_own_their_experiments_and_grant_others(tmp_path, database, client_env):
    store = tmp_path / "store"
    tokens = {name: users_cli(store, database, "user", "add", name, "--role", role).strip().splitlines()[-1]
              for name, role in [("ana", "writer"), ("ben", "writer"), ("cy", "reader"), ("root", "admin")]}
    server = AuthServer(store, database)
    try:
        url = server.url
        whoami = subprocess.run([BIN, "--server", url, "--token", tokens["ana"], "whoami"], capture_output=True,
                                text=True, timeout=60)
        assert whoami.stdout.startswith("ana (writer) at http://"), (whoami.stdout, whoami.stderr)
        # MLflow's clients read the token from the environment at each call: each call names its user.
        def as_(name):
            return as_user(client_env, url, token=tokens[name])

        def grants(name="ana"):
            return auth_client(client_env, url, tokens[name])

        ana = as_("ana")
        exp = ana.create_experiment("ana-exp")
        run = as_("ana").create_run(exp).info.run_id
        as_("ana").log_metric(run, "loss", 0.5, step=1)

        # Another writer reads ana's experiment, and writes nothing there.
        assert as_("ben").get_experiment(exp).name == "ana-exp"
        assert [r.info.run_id for r in as_("ben").search_runs([exp])] == [run]
        message = refused(lambda: as_("ben").create_run(exp))
        assert "ben" in message and "READ" in message and "EDIT" in message, message
        refused(lambda: as_("ben").log_metric(run, "loss", 9.0, step=2))
        refused(lambda: as_("ben").set_experiment_tag(exp, "k", "v"))
        refused(lambda: as_("ben").delete_run(run))
        code, body = raw(url, "/api/2.0/mlflow-artifacts/artifacts/%s/%s/artifacts/x.txt" % (exp, run),
                         tokens["ben"], "PUT", b"not yours", "application/octet-stream")
        assert (code, body["error_code"]) == (403, "PERMISSION_DENIED"), body
        code, body = raw(url, "/api/2.0/runhistory/runs/ingest", tokens["ben"], "POST", json.dumps(
            {"run_id": run, "batch_id": "b1", "metrics": [{"key": "loss", "value": 7.0, "step": 3,
                                                          "timestamp": 1}]}).encode())
        assert (code, body["error_code"]) == (403, "PERMISSION_DENIED"), body
        assert [m.value for m in as_("ana").get_metric_history(run, "loss")] == [0.5], "nothing refused was stored"
        assert len(as_("ana").search_runs([exp])) == 1 and "k" not in as_("ana").get_experiment(exp).tags

        # Ben's own experiment is his to manage.
        mine = as_("ben").create_experiment("ben-exp")
        as_("ben").log_metric(as_("ben").create_run(mine).info.run_id, "acc", 0.9)
        refused(lambda: grants("ben").grant_user_permission(
            "ben", "experiment", exp, "MANAGE"))

        # Ana grants ben EDIT through MLflow's auth client: he logs, but does not delete.
        grants().grant_user_permission("ben", "experiment", exp, "EDIT")
        got = grants().get_user_permission("ben", "experiment", exp)
        assert (got.permission, got.allowed) == ("EDIT", True)
        his = as_("ben").create_run(exp).info.run_id
        as_("ben").log_metric(his, "loss", 0.4)
        refused(lambda: as_("ben").delete_run(run))
        refused(lambda: as_("ben").delete_experiment(exp))

        # NO_PERMISSIONS hides the experiment from a writer: not listed, not read.
        users_cli(store, database, "user", "add", "dee", "--role", "writer")
        tokens["dee"] = users_cli(store, database, "token", "rotate", "dee").strip().splitlines()[-1]
        grants().grant_user_permission("dee", "experiment", exp, "NO_PERMISSIONS")
        names = {e.name for e in as_("dee").search_experiments()}
        assert "ben-exp" in names and "ana-exp" not in names, names
        refused(lambda: as_("dee").get_experiment(exp))
        refused(lambda: as_("dee").get_run(run))
        refused(lambda: as_("dee").get_metric_history(run, "loss"))

        # No way around it: an id written with %-escapes, a folder named like another route, a
        # snapshot by its number, a run made with no experiment (Default), a version's source.
        enc_exp = "".join("%%%02X" % ord(c) for c in exp)
        enc_run = "%%%02X" % ord(run[0]) + run[1:]
        for path in ("/api/2.0/mlflow-artifacts/artifacts/%s/%s/artifacts/x.txt" % (enc_exp, run),
                     "/api/2.0/mlflow-artifacts/artifacts/%s/%s/artifacts/permissions/x.txt" % (exp, run),
                     "/api/2.0/mlflow-artifacts/artifacts/%s/%s/artifacts/model-versions/x.txt" % (exp, run),
                     "/api/2.0/runhistory/runs/artifacts/%s/x.txt" % enc_run):
            code, body = raw(url, path, tokens["dee"], "PUT", b"not yours", "application/octet-stream")
            assert (code, body.get("error_code")) == (403, "PERMISSION_DENIED"), (path, code, body)
            code, body = raw(url, path, tokens["dee"])
            assert code == 403, (path, code, body)
        content = b"secret source"
        blob = hashlib.sha256(content).hexdigest()
        assert raw(url, "/api/2.0/runhistory/blobs/" + blob, tokens["ana"], "PUT", content,
                   "application/octet-stream")[0] == 200
        code, made = raw(url, "/api/2.0/runhistory/snapshots/create", tokens["ana"], "POST", json.dumps(
            {"label": "run", "run_id": run, "files": [{"path": "train.py", "hash": blob, "size": len(content),
                                                       "executable": False}]}).encode())
        assert code == 200, made
        snapshot = made["snapshot"]["snapshot_id"]
        assert raw(url, "/api/2.0/runhistory/snapshots/get?snapshot_id=%d" % snapshot, tokens["ana"])[0] == 200
        code, body = raw(url, "/api/2.0/runhistory/snapshots/get?snapshot_id=%d" % snapshot, tokens["dee"])
        assert (code, body.get("error_code")) == (403, "PERMISSION_DENIED"), body
        code, body = raw(url, "/api/2.0/mlflow/runs/create", tokens["dee"], "POST", b"{}")
        assert (code, body.get("error_code")) == (403, "PERMISSION_DENIED"), "Default is READ for dee too"
        as_("root").create_registered_model("shared-model")
        code, body = raw(url, "/api/2.0/mlflow/model-versions/create", tokens["dee"], "POST", json.dumps(
            {"name": "shared-model", "source": "runs:/%s/model" % run}).encode())
        assert (code, body.get("error_code")) == (403, "PERMISSION_DENIED"), body

        # A reader stays a reader whatever it is granted; an admin does anything.
        grants().grant_user_permission("cy", "experiment", exp, "MANAGE")
        assert as_("cy").get_run(run).info.run_id == run
        refused(lambda: as_("cy").log_metric(run, "loss", 1.0))
        as_("root").set_experiment_tag(exp, "reviewed", "yes")

        # Revoked, ben is back to the default: reading only.
        grants().revoke_user_permission("ben", "experiment", exp)
        assert grants().get_user_permission("ben", "experiment", exp).permission == "READ"
        refused(lambda: as_("ben").log_metric(his, "loss", 0.3))
        as_("ana").delete_run(his)
        assert as_("ana").get_run(his).info.lifecycle_stage == "deleted"
    finally:
        server.stop()


def test_the_cli_grants_and_the_default_permission_applies_where_none_was_granted(tmp_path, database, client_env):
    store = tmp_path / "store"
    tokens = {name: users_cli(store, database, "user", "add", name, "--role", "writer").strip().splitlines()[-1]
              for name in ("ana", "ben")}
    server = AuthServer(store, database, ["--default-permission", "EDIT"])
    try:
        url = server.url
        ana = as_user(client_env, url, token=tokens["ana"])
        exp = ana.create_experiment("team")
        ben = as_user(client_env, url, token=tokens["ben"])
        run = ben.create_run(exp).info.run_id  # EDIT by default
        refused(lambda: ben.delete_run(run))  # but deleting is the manager's
        # Our own logger's runs/create makes the experiment it names: its maker manages it.
        code, made = raw(url, "/api/2.0/runhistory/runs/create", tokens["ben"], "POST",
                         json.dumps({"experiment_name": "bens-own"}).encode())
        assert code == 200, made
        assert auth_client(client_env, url, tokens["ben"]).get_user_permission(
            "ben", "experiment", made["run"]["experiment_id"]).permission == "MANAGE"
    finally:
        server.stop()
    users_cli(store, database, "permission", "set", "team", "ben", "no_permissions")
    listed = users_cli(store, database, "permission", "list", "team")
    assert [line.split("\t") for line in listed.splitlines()] == [[exp, "ana", "MANAGE"], [exp, "ben",
                                                                                          "NO_PERMISSIONS"]]
    server = AuthServer(store, database, ["--default-permission", "EDIT"])
    try:
        ben = as_user(client_env, server.url, token=tokens["ben"])
        refused(lambda: ben.get_experiment(exp))
    finally:
        server.stop()
    users_cli(store, database, "permission", "remove", exp, "ben")
    left = [line.split("\t")[:2] for line in users_cli(store, database, "permission", "list").splitlines()]
    assert [exp, "ben"] not in left and [exp, "ana"] in left, left
