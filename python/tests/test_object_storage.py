"""A team server's files in object storage (`serve --database URL --artifacts az://... | s3://...`)
against real servers, Azurite for Azure Blob and moto for S3: the official MLflow client logs
artifacts (one large enough to go up in parts), a logged model and a live log; snapshot contents go
up by hash. A second server with an empty folder over the same database and bucket serves all of it
byte for byte, and nothing of it is kept in either server's folder. Path escapes, a wrong hash and
an oversized upload are refused with nothing stored; a missing bucket is said at start in one line;
`migrate` copies a store folder's files into the bucket."""

import hashlib
import json
import os
import subprocess
import urllib.error
import urllib.request

import pytest

from conftest import BIN, Server, scratch_database
from object_storage import Bucket, start_service

mlflow = pytest.importorskip("mlflow")
from mlflow import MlflowClient  # noqa: E402

EXT = "/api/2.0/runhistory"


@pytest.fixture(scope="module", params=["azure", "s3"])
def service(request, tmp_path_factory):
    s = start_service(request.param, tmp_path_factory.mktemp("objects"))
    s.kind = request.param
    yield s
    s.stop()


@pytest.fixture
def bucket(service):
    return Bucket(service, "az" if service.kind == "azure" else "s3")


@pytest.fixture
def db():
    d = scratch_database()
    yield d.url
    d.drop()


@pytest.fixture
def quiet_client(monkeypatch):
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")


def call(url, path, method="GET", body=None, headers=None):
    req = urllib.request.Request(url + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def files_below(folder):
    """Files under a server's folder, leaving out its database's own files."""
    out = []
    for dirpath, _, names in os.walk(folder):
        out += [os.path.relpath(os.path.join(dirpath, n), folder) for n in names]
    return sorted(out)


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class AddOne(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return [x + 1 for x in model_input]


def test_two_servers_over_one_database_and_bucket_serve_the_same_files(tmp_path, bucket, db, quiet_client):
    a = Server(tmp_path / "a", database=db, artifacts=bucket.url, env=bucket.env).start()
    b = Server(tmp_path / "b", database=db, artifacts=bucket.url, env=bucket.env).start()
    try:
        work = tmp_path / "work"
        (work / "nested").mkdir(parents=True)
        big = work / "big.bin"
        big.write_bytes(os.urandom(20 * 1024 * 1024 + 123))  # larger than one part: goes up in parts
        (work / "nested" / "notes.txt").write_text("hello from a")
        mlflow.set_tracking_uri(a.url)
        mlflow.set_experiment("objects")
        with mlflow.start_run() as run:
            mlflow.log_artifact(str(big))
            mlflow.log_artifacts(str(work / "nested"), artifact_path="nested")
            mlflow.log_dict({"lr": 0.1}, "config/params.json")
            info = mlflow.pyfunc.log_model(name="add_one", python_model=AddOne())
        run_id = run.info.run_id

        # A live log grows by appends (our extension), read back whole on the other server.
        for part in (b"line 1\n", b"line 2\n"):
            status, _ = call(a.url, "%s/runs/artifacts/%s/driver_log.txt" % (EXT, run_id), "POST", part)
            assert status == 200

        # A snapshot's content goes up by its hash; the other server has it.
        content = b"print('train')\n"
        h = hashlib.sha256(content).hexdigest()
        assert call(a.url, "%s/blobs/%s" % (EXT, h), "PUT", content)[0] == 200
        status, body = call(a.url, EXT + "/snapshots/create", "POST", json.dumps(
            {"label": "run", "run_id": run_id, "files": [{"path": "train.py", "hash": h, "size": len(content),
                                                          "executable": False}]}).encode(),
                            {"Content-Type": "application/json"})
        assert status == 200, body

        # The other server, with an empty folder of its own, serves all of it.
        other = MlflowClient(b.url)
        listed = {f.path: f.file_size for f in other.list_artifacts(run_id)}
        assert listed["big.bin"] == big.stat().st_size
        assert {"nested", "config", "driver_log.txt"} <= set(listed)
        got = other.download_artifacts(run_id, "", str(tmp_path / "down"))
        assert digest(os.path.join(got, "big.bin")) == digest(big)
        assert open(os.path.join(got, "nested", "notes.txt")).read() == "hello from a"
        assert json.load(open(os.path.join(got, "config", "params.json"))) == {"lr": 0.1}
        assert open(os.path.join(got, "driver_log.txt"), "rb").read() == b"line 1\nline 2\n"
        mlflow.set_tracking_uri(b.url)
        loaded = mlflow.pyfunc.load_model("models:/%s" % info.model_id)
        assert list(loaded.predict([1, 2])) == [2, 3]
        status, body = call(b.url, "%s/blobs/missing" % EXT, "POST", json.dumps({"hashes": [h, "0" * 64]}).encode(),
                            {"Content-Type": "application/json"})
        assert status == 200 and json.loads(body)["missing"] == ["0" * 64]
        assert call(b.url, "%s/blobs/%s" % (EXT, h)) == (200, content)

        # Deleted through one server, gone from the other.
        exp_id = mlflow.get_experiment_by_name("objects").experiment_id
        gone = "/api/2.0/mlflow-artifacts/artifacts/%s/%s/artifacts/nested/notes.txt" % (exp_id, run_id)
        assert call(b.url, gone, "DELETE")[0] == 200
        assert call(a.url, gone)[0] == 404

        # The files are in the bucket, below its prefix; neither server's folder kept any.
        keys = bucket.keys()
        assert all(k.startswith("team/") for k in keys), keys
        assert "team/artifacts/%s/%s/artifacts/big.bin" % (exp_id, run_id) in keys
        assert "team/blobs/%s/%s" % (h[:2], h) in keys
        assert any(k.startswith("team/artifacts/%s/models/%s/artifacts/" % (exp_id, info.model_id)) for k in keys)
        for folder in (tmp_path / "a", tmp_path / "b"):
            kept = [f for f in files_below(folder) if not f.startswith("spool")]
            assert kept == [], kept
    finally:
        a.stop()
        b.stop()


def test_refusals_store_nothing_in_the_bucket(tmp_path, bucket, db, quiet_client):
    s = Server(tmp_path / "s", database=db, artifacts=bucket.url, env=bucket.env).start()
    try:
        client = MlflowClient(s.url)
        exp = client.create_experiment("refusals")
        run = client.create_run(exp).info.run_id
        base = "/api/2.0/mlflow-artifacts/artifacts/"
        before = bucket.keys()
        for bad in ("../outside.txt", "%s/%s/artifacts/../../../x.txt" % (exp, run), "%2e%2e/x.txt",
                    "%s/%s/artifacts/a%%5c..%%5cx" % (exp, run)):
            status, body = call(s.url, base + bad, "PUT", b"nope")
            assert 400 <= status < 500, (bad, status, body)
            assert call(s.url, base + bad)[0] in (400, 404), bad
        # A content whose bytes do not hash to its address, and an upload over 512 MB.
        status, body = call(s.url, "%s/blobs/%s" % (EXT, "ab" * 32), "PUT", b"not that")
        assert status == 400 and b"does not match" in body
        status, body = call(s.url, base + "%s/%s/artifacts/huge.bin" % (exp, run), "PUT", b"x",
                            {"Content-Length": str(600 * 1024 * 1024)})
        assert status == 413, body
        assert bucket.keys() == before, "nothing of a refused request reaches the bucket"
        # A folder is listed, not downloaded.
        assert call(s.url, base + "%s/%s/artifacts/dir/f.txt" % (exp, run), "PUT", b"in a folder")[0] == 200
        status, body = call(s.url, base + "%s/%s/artifacts/dir" % (exp, run))
        assert status == 400 and b"folder" in body
        assert json.loads(body)["error_code"] == "INVALID_PARAMETER_VALUE"
        # A file cannot be made where a folder is.
        assert call(s.url, base + "%s/%s/artifacts/dir" % (exp, run), "PUT", b"over a folder")[0] == 400
    finally:
        s.stop()


def test_a_missing_bucket_is_said_at_start_in_one_line(tmp_path, bucket, db):
    env = dict(os.environ, **bucket.env)
    env.pop("RUNHISTORY_ARTIFACTS", None)
    out = subprocess.run([BIN, "serve", "--port", "0", "--store", str(tmp_path / "s"), "--database", db,
                          "--artifacts", bucket.missing_url()], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode != 0 and out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert "nosuch" in lines[0] and "cannot be listed" in lines[0], lines[0]


def test_migrate_copies_a_store_folder_into_a_database_and_a_bucket(tmp_path, bucket, db, quiet_client):
    local = Server(tmp_path / "local").start()
    try:
        mlflow.set_tracking_uri(local.url)
        mlflow.set_experiment("moving")
        with mlflow.start_run() as run:
            mlflow.log_text("kept across the move", "notes/readme.txt")
            mlflow.log_metric("loss", 0.5)
    finally:
        local.stop()
    env = dict(os.environ, **bucket.env)
    for _ in range(2):
        out = subprocess.run([BIN, "migrate", "--from", str(tmp_path / "local"), "--to", db, "--artifacts",
                              bucket.url], capture_output=True, text=True, env=env, timeout=300)
        assert out.returncode == 0, out.stderr
    assert " 0 files " in out.stdout, "the second copy copies no file again: " + out.stdout
    team = Server(tmp_path / "team", database=db, artifacts=bucket.url, env=bucket.env).start()
    try:
        client = MlflowClient(team.url)
        assert client.get_run(run.info.run_id).data.metrics == {"loss": 0.5}
        got = client.download_artifacts(run.info.run_id, "notes/readme.txt", str(tmp_path / "down"))
        assert open(got).read() == "kept across the move"
    finally:
        team.stop()


def test_a_folder_of_more_files_than_one_listing_page_is_listed_whole(tmp_path, bucket, db, quiet_client):
    if bucket.scheme != "s3":
        pytest.skip("S3 pages listings by 1,000 keys; filling an Azure page (5,000) one signed request at a time is slow")
    s = Server(tmp_path / "s", database=db, artifacts=bucket.url, env=bucket.env).start()
    try:
        client = MlflowClient(s.url)
        exp = client.create_experiment("many")
        run = client.create_run(exp).info.run_id
        names = ["f%04d.txt" % i for i in range(1_050)]
        for n in names:  # written straight into the bucket, as another replica would have
            bucket.service.s3.put_object(Bucket=bucket.name, Key="team/artifacts/%s/%s/artifacts/many/%s" % (exp, run, n),
                                         Body=n.encode())
        listed = client.list_artifacts(run, "many")
        assert sorted(f.path for f in listed) == ["many/" + n for n in names]
        assert all(f.file_size == len(n) for f, n in zip(sorted(listed, key=lambda f: f.path), names))
        status, body = call(s.url, "%s/runs/artifacts?run_id=%s" % (EXT, run))
        assert status == 200 and len(json.loads(body)["files"]) == 1_050
    finally:
        s.stop()
