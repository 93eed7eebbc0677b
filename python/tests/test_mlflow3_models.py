"""MLflow 3 scripts unchanged against our server: sklearn autolog with models, log_model with a
signature and input example, load_model by runs:/ and models:/ URIs, logged-model calls, and
log_input of a pandas dataset; each checked against what the server stored."""

import json
import urllib.request

import pytest

mlflow = pytest.importorskip("mlflow")
np = pytest.importorskip("numpy")
pd = pytest.importorskip("pandas")
pytest.importorskip("sklearn")

import mlflow.sklearn  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import LoggedModelStatus  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402


@pytest.fixture
def client(server, monkeypatch):
    monkeypatch.setenv("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    mlflow.set_tracking_uri(server.url)
    mlflow.set_experiment("fluent")  # each test has a fresh server: forget the last one's experiment
    yield MlflowClient(server.url)
    mlflow.sklearn.autolog(disable=True)


def ours(server, path):
    """A GET of our own API, to see what the server stored."""
    with urllib.request.urlopen(server.url + path) as r:
        return json.loads(r.read())


def test_sklearn_autolog_logs_params_metrics_and_a_loadable_model(client, server):
    mlflow.sklearn.autolog(log_input_examples=True)
    X, y = load_iris(return_X_y=True)
    with mlflow.start_run() as run:
        model = LogisticRegression(max_iter=300).fit(X, y)
    stored = client.get_run(run.info.run_id)
    assert stored.data.params["max_iter"] == "300"
    assert 0.9 < stored.data.metrics["training_accuracy_score"] <= 1.0
    [output] = stored.outputs.model_outputs
    logged = client.get_logged_model(output.model_id)
    assert logged.source_run_id == run.info.run_id
    assert logged.status == LoggedModelStatus.READY
    assert logged.params["max_iter"] == "300", "autolog copies the params onto the model"
    files = ours(server, f"/api/2.0/mlflow/logged-models/{logged.model_id}/artifacts/directories")
    assert {"MLmodel", "model.pkl"} <= {f["path"] for f in files["files"]}
    for uri in (f"models:/{logged.model_id}", f"runs:/{run.info.run_id}/model"):
        loaded = mlflow.sklearn.load_model(uri)
        assert (loaded.predict(X) == model.predict(X)).all(), uri


def test_log_model_with_signature_and_input_example_and_pyfunc_load(client):
    X, y = load_iris(return_X_y=True, as_frame=True)
    model = LogisticRegression(max_iter=300).fit(X, y)
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(
            model,
            name="iris",
            input_example=X.head(3),
            serialization_format=mlflow.sklearn.SERIALIZATION_FORMAT_CLOUDPICKLE,
        )
    assert info.signature is not None
    assert [c["name"] for c in info.signature.inputs.to_dict()] == list(X.columns)
    loaded = mlflow.pyfunc.load_model(info.model_uri)
    assert list(loaded.predict(X.head(5))) == list(model.predict(X.head(5)))
    assert loaded.metadata.get_input_schema().input_names() == list(X.columns)
    found = mlflow.search_logged_models(filter_string="name = 'iris'", output_format="list")
    assert [m.model_id for m in found] == [info.model_id]


def test_logged_model_calls_round_trip(client):
    exp = client.create_experiment("models")
    m = client.create_logged_model(exp, name="m1", params={"lr": "0.1"}, tags={"t": "1"})
    assert (m.name, m.params, m.tags, m.status) == ("m1", {"lr": "0.1"}, {"t": "1"}, LoggedModelStatus.PENDING)
    client.set_logged_model_tags(m.model_id, {"t": "2", "u": "3"})
    client.delete_logged_model_tag(m.model_id, "u")
    client.log_model_params(m.model_id, {"epochs": "5"})
    run = client.create_run(exp)
    client.log_metric(run.info.run_id, "acc", 0.75, step=2, model_id=m.model_id, dataset_name="val", dataset_digest="d1")
    got = client.finalize_logged_model(m.model_id, LoggedModelStatus.READY)
    assert got.status == LoggedModelStatus.READY
    got = client.get_logged_model(m.model_id)
    assert got.tags == {"t": "2"}
    assert got.params == {"lr": "0.1", "epochs": "5"}
    [metric] = got.metrics
    assert (metric.key, metric.value, metric.step, metric.run_id) == ("acc", 0.75, 2, run.info.run_id)
    assert (metric.dataset_name, metric.dataset_digest) == ("val", "d1")
    other = client.create_logged_model(exp, name="m2")
    by_acc = client.search_logged_models([exp], filter_string="metrics.acc > 0.5")
    assert [x.model_id for x in by_acc] == [m.model_id]
    by_name = client.search_logged_models([exp], order_by=[{"field_name": "name", "ascending": True}])
    assert [x.name for x in by_name] == ["m1", "m2"]
    client.delete_logged_model(other.model_id)
    with pytest.raises(MlflowException, match="not found"):
        client.get_logged_model(other.model_id)
    assert [x.model_id for x in client.search_logged_models([exp])] == [m.model_id]


def test_log_input_keeps_the_dataset_with_its_schema_profile_and_context(client, server):
    df = pd.DataFrame({"a": [1, 2, 3], "b": [0.5, 0.25, 0.125]})
    dataset = mlflow.data.from_pandas(df, source="s3://bucket/train.csv", name="train")
    with mlflow.start_run() as run:
        mlflow.log_input(dataset, context="training")
    [inp] = client.get_run(run.info.run_id).inputs.dataset_inputs
    assert (inp.dataset.name, inp.dataset.digest) == ("train", dataset.digest)
    assert json.loads(inp.dataset.profile) == {"num_rows": 3, "num_elements": 6}
    assert [c["name"] for c in json.loads(inp.dataset.schema)["mlflow_colspec"]] == ["a", "b"]
    assert {(t.key, t.value) for t in inp.tags} == {("mlflow.data.context", "training")}
    # Our own record of the run carries the same inputs.
    ext = ours(server, f"/api/2.0/runhistory/runs/get?run_id={run.info.run_id}")
    assert ext["run"]["inputs"]["dataset_inputs"][0]["dataset"]["digest"] == dataset.digest
