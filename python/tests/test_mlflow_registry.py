"""MLflow's model registry through the official client against our server: register_model from a
logged model and from a run, load_model by models:/name/version and models:/name@alias, stages,
aliases, tags, search, rename and delete; and `runhistory promote`, seen by an MLflow user."""

import json
import subprocess
import urllib.request

import pytest

mlflow = pytest.importorskip("mlflow")
pytest.importorskip("sklearn")

import mlflow.sklearn  # noqa: E402
from conftest import BIN  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402


@pytest.fixture
def client(server, monkeypatch):
    monkeypatch.setenv("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    mlflow.set_tracking_uri(server.url)
    mlflow.set_registry_uri(server.url)
    mlflow.set_experiment("registry")
    yield MlflowClient(server.url, registry_uri=server.url)


PICKLE = mlflow.sklearn.SERIALIZATION_FORMAT_CLOUDPICKLE


def ours(server, path):
    with urllib.request.urlopen(server.url + path) as r:
        return json.loads(r.read())


def fitted():
    X, y = load_iris(return_X_y=True)
    return X, LogisticRegression(max_iter=300).fit(X, y)


def test_a_logged_model_registered_loads_by_version_and_alias(client, server):
    X, model = fitted()
    with mlflow.start_run() as run:
        info = mlflow.sklearn.log_model(model, name="clf", registered_model_name="iris", serialization_format=PICKLE)
    assert str(info.registered_model_version) == "1"
    v1 = client.get_model_version("iris", "1")
    assert v1.run_id == run.info.run_id
    assert v1.status == "READY"
    logged = client.get_logged_model(info.model_id)
    # The server notes the version on the model, and MLflow's client notes it again as a string,
    # as it does against MLflow's own server.
    noted = json.loads(logged.tags["mlflow.modelVersions"])
    assert noted[0] == {"name": "iris", "version": 1}
    assert {(n["name"], str(n["version"])) for n in noted} == {("iris", "1")}
    for uri in ("models:/iris/1", "models:/iris/latest"):
        assert (mlflow.sklearn.load_model(uri).predict(X) == model.predict(X)).all(), uri
    client.set_registered_model_alias("iris", "champion", "1")
    assert client.get_model_version_by_alias("iris", "champion").version == "1"
    assert (mlflow.pyfunc.load_model("models:/iris@champion").predict(X) == model.predict(X)).all()
    assert client.get_model_version_download_uri("iris", "1") == logged.artifact_location
    # What the server stored, read back through our own reading of MLflow's API.
    stored = ours(server, "/api/2.0/mlflow/registered-models/get?name=iris")["registered_model"]
    assert stored["aliases"] == [{"alias": "champion", "version": "1"}]
    assert [v["version"] for v in stored["latest_versions"]] == ["1"]


def test_register_model_from_a_run_uri_and_manage_versions(client):
    X, model = fitted()
    with mlflow.start_run() as run:
        mlflow.sklearn.log_model(model, name="clf", serialization_format=PICKLE)
    for want in ("1", "2"):
        mv = mlflow.register_model(f"runs:/{run.info.run_id}/clf", "flowers", tags={"by": "test"})
        assert mv.version == want
    assert (mlflow.sklearn.load_model("models:/flowers/2").predict(X) == model.predict(X)).all()
    client.update_registered_model("flowers", description="iris classifier")
    client.set_registered_model_tag("flowers", "team", "ml")
    client.update_model_version("flowers", "1", description="first")
    client.set_model_version_tag("flowers", "1", "validated", "yes")
    client.delete_model_version_tag("flowers", "1", "by")
    with pytest.warns(FutureWarning):
        client.transition_model_version_stage("flowers", "1", "Staging")
        client.transition_model_version_stage("flowers", "2", "Staging", archive_existing_versions=True)
    v1 = client.get_model_version("flowers", "1")
    assert (v1.current_stage, v1.description, v1.tags) == ("Archived", "first", {"validated": "yes"})
    with pytest.warns(FutureWarning):
        latest = client.get_latest_versions("flowers", stages=["Staging"])
    assert [v.version for v in latest] == ["2"]
    found = client.search_model_versions(f"run_id = '{run.info.run_id}'")
    assert sorted(v.version for v in found) == ["1", "2"]
    models = client.search_registered_models(filter_string="name LIKE 'flo%'")
    assert [(m.name, m.description, m.tags) for m in models] == [("flowers", "iris classifier", {"team": "ml"})]
    client.rename_registered_model("flowers", "petals")
    assert client.get_model_version("petals", "2").current_stage == "Staging"
    with pytest.raises(MlflowException, match="RESOURCE_DOES_NOT_EXIST|not found"):
        client.get_registered_model("flowers")
    client.delete_model_version("petals", "1")
    assert [v.version for v in client.search_model_versions("name = 'petals'")] == ["2"]
    client.delete_registered_model("petals")
    assert client.search_registered_models() == []


def test_bad_registry_requests_are_refused_clearly(client):
    client.create_registered_model("m")
    with pytest.raises(MlflowException, match="already exists"):
        client.create_registered_model("m")
    client.create_model_version("m", "mlflow-artifacts:/x")
    with pytest.raises(MlflowException, match="reserved"):
        client.set_registered_model_alias("m", "latest", "1")
    with pytest.raises(MlflowException, match="not found"):
        client.get_model_version("m", "7")
    with pytest.raises(MlflowException, match="relative path references"):
        client.create_model_version("m", "mlflow-artifacts:/a/../../b")


def test_promote_registers_a_version_an_mlflow_user_sees(client, server, tmp_path):
    with mlflow.start_run() as run:
        (tmp_path / "model.pkl").write_bytes(b"weights")
        mlflow.log_artifact(str(tmp_path / "model.pkl"), artifact_path="outputs")
    out = subprocess.run(
        [BIN, "--server", server.url, "promote", "-r", run.info.run_id, "--artifact-prefix", "outputs",
         "-n", "seed-model"],
        capture_output=True, text=True, check=True,
    )
    promoted = json.loads(out.stdout)
    assert promoted["artifacts"] == ["outputs/model.pkl"]
    mv = client.get_model_version("seed-model", promoted["model_version"]["version"])
    assert mv.run_id == run.info.run_id
    assert mv.source.endswith("/outputs")
    path = mlflow.artifacts.download_artifacts(f"models:/seed-model/{mv.version}", dst_path=str(tmp_path / "dl"))
    assert open(f"{path}/model.pkl", "rb").read() == b"weights"
    table = subprocess.run(
        [BIN, "--server", server.url, "models"], capture_output=True, text=True, check=True
    ).stdout
    assert "seed-model" in table
    versions = subprocess.run(
        [BIN, "--server", server.url, "models", "seed-model", "-o", "json"],
        capture_output=True, text=True, check=True,
    ).stdout
    assert [v["run_id"] for v in json.loads(versions)] == [run.info.run_id]
