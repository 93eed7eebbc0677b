"""MLflow tracking stores read in place with `--mlflow-store URI`: a SQLite database
(sqlite:///ABS/mlflow.db), a file store (a plain path, or file:///ABS/mlruns) and PostgreSQL
(postgresql://USER@HOST:PORT/DB), each written by the official MLflow client, then read through the
CLI and through a served store that the official client reads. Run ids, params, tags, every metric
point (NaN included), statuses, the deleted and the nested runs and the artifacts arrive exactly;
every write is refused; nothing in the store changes; a served store follows the training that
writes to it; and `import` copies a store for good, adding only what is new when run again.

The stores are written in subprocesses (MLflow keeps its tracking URI globally): this file runs
itself as the writer, `python test_mlflow_store.py ACTION URI ...`, so the writer and the test share
one set of constants and one `dump` (everything MLflow's own client reads from a store).
"""

import hashlib
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import warnings

import pytest

mlflow = pytest.importorskip("mlflow")
np = pytest.importorskip("numpy")

from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import Metric, Param, RunTag, ViewType  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402

from conftest import BIN, scratch_database, tree_digest  # noqa: E402

T0 = 1_700_000_000_000  # every metric point is logged with an explicit timestamp from here (ms)
EXPERIMENTS = ("training", "other")
# The runs `populate` leaves active, by experiment (the run "discarded" is deleted).
ACTIVE = {"training": {"baseline", "fold-1", "broken", "stopped", "still-running"}, "other": {"elsewhere"}}
# How `list -o json` and `info` name a status (the CLI's existing labels), by MLflow's name.
LABEL = {"FINISHED": "Completed", "FAILED": "Failed", "KILLED": "Canceled", "RUNNING": "Running"}
# MLflow's tables in a database store, compared before and after we read it.
MLFLOW_TABLES = ("experiments", "experiment_tags", "runs", "tags", "params", "metrics", "latest_metrics")


def live_point(step):
    """The loss point the live run logs at `step`: (step, timestamp, value)."""
    return step, T0 + 900_000 + step * 250, 1.0 / (step + 1)


# ---------------------------------------------------------------------------------------------
# The writer: what runs in the subprocess (`python test_mlflow_store.py ACTION URI ...`).


def populate(uri):
    """Two experiments as a user's store holds them: a finished run with params, tags, metrics
    (a NaN among them, a step logged twice, a batch), a text, step images and a file; a nested
    child run; runs ended FAILED and KILLED; a run left RUNNING; a deleted run; a run elsewhere."""
    client = MlflowClient(tracking_uri=uri)
    runs = {}
    mlflow.set_experiment("training")
    with mlflow.start_run(run_name="baseline") as run:
        rid = runs["baseline"] = run.info.run_id
        mlflow.log_params({"lr": "0.01", "optimizer": "adam"})
        mlflow.log_param("epochs", 5)
        mlflow.set_tag("team", "vision")
        for step in range(50):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step, timestamp=T0 + step * 1000)
        for step, v in enumerate([0.5, float("nan"), 0.25]):
            mlflow.log_metric("val_loss", v, step=step, timestamp=T0 + 100_000 + step)
        # One step logged twice: both points are kept, the later one is the latest.
        mlflow.log_metric("lr_now", 0.1, step=3, timestamp=T0 + 7)
        mlflow.log_metric("lr_now", 0.05, step=3, timestamp=T0 + 8)
        client.log_batch(rid, metrics=[Metric("acc", 0.5 + i / 100, T0 + 200_000 + i, i) for i in range(20)],
                         params=[Param("batch_size", "32")], tags=[RunTag("dataset", "iris")])
        mlflow.log_text("lr warm-up done\n", "notes/readme.txt")
        for step in (0, 5):
            img = np.full((8, 6, 3), 40 * (step + 1), dtype=np.uint8)
            img[0, 0] = [255, 0, 0]
            mlflow.log_image(img, key="sample", step=step, timestamp=T0 + 300_000 + step, synchronous=True)
        with tempfile.TemporaryDirectory() as scratch:
            with open(os.path.join(scratch, "config.bin"), "wb") as f:
                f.write(bytes(range(256)) * 4)
            mlflow.log_artifact(os.path.join(scratch, "config.bin"), artifact_path="config")
        with mlflow.start_run(run_name="fold-1", nested=True) as child:
            runs["fold-1"] = child.info.run_id
            mlflow.log_param("fold", "1")
            for step in range(5):
                mlflow.log_metric("loss", 0.9 - step / 10, step=step, timestamp=T0 + 400_000 + step * 10)
    broken = mlflow.start_run(run_name="broken")
    runs["broken"] = broken.info.run_id
    mlflow.log_metric("loss", 2.5, step=0, timestamp=T0 + 500_000)
    mlflow.end_run("FAILED")
    stopped = mlflow.start_run(run_name="stopped")
    runs["stopped"] = stopped.info.run_id
    mlflow.log_metric("loss", 1.5, step=0, timestamp=T0 + 550_000)
    mlflow.end_run("KILLED")
    discarded = mlflow.start_run(run_name="discarded")
    runs["discarded"] = discarded.info.run_id
    mlflow.log_metric("loss", 9.0, step=0, timestamp=T0 + 600_000)
    mlflow.end_run()
    client.delete_run(runs["discarded"])
    # A run still training: made by the client, never ended.
    exp_id = client.get_experiment_by_name("training").experiment_id
    running = client.create_run(exp_id, run_name="still-running")
    runs["still-running"] = running.info.run_id
    client.log_metric(running.info.run_id, "loss", 0.75, step=0, timestamp=T0 + 700_000)
    mlflow.set_experiment("other")
    with mlflow.start_run(run_name="elsewhere") as run:
        runs["elsewhere"] = run.info.run_id
        mlflow.log_param("seed", "7")
        mlflow.log_metric("score", 0.125, step=0, timestamp=T0 + 800_000)
    return runs


def more(uri, baseline, still_running):
    """Training went on after a first import: ten more loss points in a finished run, a point and a
    file in the running one, and a new run."""
    client = MlflowClient(tracking_uri=uri)
    for step in range(50, 60):
        client.log_metric(baseline, "loss", 0.001 * step, step=step, timestamp=T0 + step * 1000)
    client.log_metric(still_running, "loss", 0.5, step=1, timestamp=T0 + 700_001)
    client.log_text(still_running, "resumed\n", "notes/late.txt")
    mlflow.set_experiment("training")
    with mlflow.start_run(run_name="late"):
        mlflow.log_param("lr", "0.001")
        mlflow.log_metric("loss", 0.3, step=0, timestamp=T0 + 850_000)
    return {}


def live_start(uri):
    """An experiment of its own with a RUNNING run holding loss steps 0-9, and a run that has
    ended with one point."""
    client = MlflowClient(tracking_uri=uri)
    exp_id = client.create_experiment("growing")
    run = client.create_run(exp_id, run_name="live")
    for step in range(10):
        s, ts, v = live_point(step)
        client.log_metric(run.info.run_id, "loss", v, step=s, timestamp=ts)
    done = client.create_run(exp_id, run_name="done")
    client.log_metric(done.info.run_id, "score", 0.5, step=0, timestamp=T0)
    client.set_terminated(done.info.run_id)
    return {"run_id": run.info.run_id, "done_id": done.info.run_id}


# A point the live run logs after the others with the oldest timestamp of all (a clock set back,
# another host): still new, not to be taken for one already read.
LATE_POINT = (25, T0 + 1, 0.5)


def live_more(uri, run_id, done_id):
    """The live run goes on to step 24, then logs a point with an older timestamp than all; the
    ended run is given a late score and a note; a second run starts; the experiment is renamed."""
    client = MlflowClient(tracking_uri=uri)
    client.log_metric(done_id, "score", 0.75, step=1, timestamp=T0 + 1)
    client.set_tag(done_id, "mlflow.note.content", "evaluated later")
    for step in range(10, 25):
        s, ts, v = live_point(step)
        client.log_metric(run_id, "loss", v, step=s, timestamp=ts)
    step, ts, v = LATE_POINT
    client.log_metric(run_id, "loss", v, step=step, timestamp=ts)
    exp_id = client.get_experiment_by_name("growing").experiment_id
    client.create_run(exp_id, run_name="second")
    client.rename_experiment(exp_id, "grown")
    return {}


def dump(uri, experiments=EXPERIMENTS):
    """Everything the official client reads of the runs of `experiments` (deleted runs too), by
    run name: the exact record both sides of each test are compared by. Metric values are kept
    as repr() strings (exact for a double, and NaN equals NaN); histories sorted by (step,
    timestamp, value), since MLflow gives no order; each artifact as [size, sha256]."""
    client = MlflowClient(tracking_uri=uri)
    out = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name in experiments:
            out.update(dump_experiment(client, name, scratch))
    return out


def dump_experiment(client, name, scratch):
    """`dump` of one experiment's runs."""
    exp = client.get_experiment_by_name(name)
    assert exp is not None, "no experiment %r at %s" % (name, client.tracking_uri)
    out = {}
    for r in client.search_runs([exp.experiment_id], run_view_type=ViewType.ALL, max_results=1000):
        rid = r.info.run_id
        history = {}
        for key in r.data.metrics:
            history[key] = sorted([m.step, m.timestamp, repr(float(m.value))]
                                  for m in client.get_metric_history(rid, key))
        sizes = {}

        def walk(path):
            for f in client.list_artifacts(rid, path):
                if f.is_dir:
                    walk(f.path)
                else:
                    sizes[f.path] = f.file_size

        walk(None)
        artifacts = {}
        for path, size in sizes.items():
            local = client.download_artifacts(rid, path, tempfile.mkdtemp(dir=scratch))
            with open(local, "rb") as fh:
                artifacts[path] = [size, hashlib.sha256(fh.read()).hexdigest()]
        out[r.info.run_name] = {
            "run_id": rid,
            "experiment": name,
            "status": r.info.status,
            "lifecycle_stage": r.info.lifecycle_stage,
            "start_time": r.info.start_time,
            "end_time": r.info.end_time,
            "params": dict(r.data.params),
            "tags": dict(r.data.tags),
            "latest": {k: repr(float(v)) for k, v in r.data.metrics.items()},
            "history": history,
            "artifacts": artifacts,
        }
    return out


def with_model(uri):
    """MLflow 3's `log_model`: a fitted model logged from a run, kept as a logged model with its
    own id, params and artifact folder."""
    from sklearn.linear_model import LinearRegression

    mlflow.set_experiment("models")
    with mlflow.start_run(run_name="fit") as run:
        model = LinearRegression().fit([[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0])
        info = mlflow.sklearn.log_model(model, name="line", pip_requirements=["scikit-learn"],
                                        params={"alpha": "0"})
    return {"model_id": info.model_id, "run_id": run.info.run_id}


WRITERS = {"populate": populate, "with-model": with_model, "more": more, "live-start": live_start, "live-more": live_more, "dump": dump}


def main(argv):
    warnings.simplefilter("ignore")
    action, uri = argv[1], argv[2]
    mlflow.set_tracking_uri(uri)
    result = WRITERS[action](uri, *argv[3:])
    sys.stdout.write("\nRESULT " + json.dumps(result) + "\n")


# ---------------------------------------------------------------------------------------------
# The stores and the binary.


def pg_digest(url):
    """Every row of MLflow's tables, in order, and the names of all tables (a table added counts)."""
    import psycopg2

    h = hashlib.sha256()
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as c:
            c.execute("SELECT table_schema || '.' || table_name FROM information_schema.tables "
                      "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")
            h.update(repr(c.fetchall()).encode())
            for table in MLFLOW_TABLES:
                c.execute("SELECT t::text FROM %s t ORDER BY 1" % table)
                for (row,) in c.fetchall():
                    h.update(table.encode() + b"\0" + row.encode() + b"\n")
    finally:
        conn.close()
    return h.hexdigest()


class MlflowStore:
    """A tracking store the official client writes: `uri` is how runhistory is given it (as MLflow
    names it), `also` the other spellings of the same store; `folder` holds all its files."""

    def __init__(self, kind, root):
        self.kind = kind
        self.db = None
        self.also = []
        if kind == "sqlite":
            self.folder = root / "mlflow-sqlite"
            self.folder.mkdir(parents=True)
            self.uri = self.writer_uri = f"sqlite:///{self.folder}/mlflow.db"
            self.cwd = self.folder  # MLflow puts a database store's artifacts in ./mlruns
        elif kind == "file":
            self.folder = root / "mlruns"
            self.uri = str(self.folder)
            self.also = [self.folder.as_uri()]
            self.writer_uri = self.folder.as_uri()
            self.cwd = root
        else:
            self.db = scratch_database()
            self.folder = root / "pg-artifacts"
            self.folder.mkdir(parents=True)
            rest = self.db.url.split("://", 1)[1]
            self.uri = "postgresql://" + rest
            # SQLAlchemy 2.1 takes postgresql:// as psycopg 3; the venv has psycopg2, so MLflow
            # writes through postgresql+psycopg2://, a spelling its users have and we read too.
            self.writer_uri = "postgresql+psycopg2://" + rest
            self.also = [self.writer_uri]
            self.cwd = self.folder

    def write(self, action, *args):
        """Runs the writer (this file) on the store; its RESULT."""
        env = dict(os.environ, MLFLOW_ALLOW_FILE_STORE="true", MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR="false",
                   MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT="true", PYTHONWARNINGS="ignore")
        env.pop("MLFLOW_TRACKING_URI", None)
        out = subprocess.run([sys.executable, os.path.abspath(__file__), action, self.writer_uri, *args],
                             cwd=self.cwd, env=env, capture_output=True, text=True, timeout=180)
        assert out.returncode == 0, out.stderr[-4000:]
        (line,) = [x for x in out.stdout.splitlines() if x.startswith("RESULT ")]
        return json.loads(line[len("RESULT "):])

    def digest(self):
        d = tree_digest(self.folder)
        if self.db:
            d += pg_digest(self.db.url)
        return d

    def drop(self):
        if self.db:
            self.db.drop()


def runhistory_env():
    env = dict(os.environ)
    for k in ("RUNHISTORY_SERVER", "RUNHISTORY_DATABASE", "RUNHISTORY_STORE", "RUNHISTORY_ARTIFACTS",
              "MLFLOW_TRACKING_URI"):
        env.pop(k, None)
    return env


def run_bin(*args, cwd=None):
    out = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, timeout=120, env=runhistory_env(),
                         cwd=cwd)
    assert out.returncode == 0, out.stderr
    return out


def run_cli(store, *args, uri=None, cwd=None):
    """`runhistory --mlflow-store URI ARGS...`"""
    return run_bin("--mlflow-store", uri or store.uri, *args, cwd=cwd)


def listed(store, *args, uri=None, cwd=None):
    return json.loads(run_cli(store, "list", "-o", "json", *args, uri=uri, cwd=cwd).stdout)


class Served:
    """`runhistory serve --port 0 ARGS...`: the URL is the last word of its first line."""

    def __init__(self, args, tmp_path):
        self.err = tmp_path / ("serve-%d.err" % time.monotonic_ns())
        self.proc = subprocess.Popen([BIN, "serve", "--port", "0", *map(str, args)], stdout=subprocess.PIPE,
                                     stderr=open(self.err, "w"), text=True, env=runhistory_env(), cwd=tmp_path)
        line = self.proc.stdout.readline()
        if not line.strip():
            self.stop()
            pytest.fail("serve printed no address: " + self.err.read_text())
        self.url = line.split()[-1]
        assert self.url.startswith("http://"), line

    def get(self, path):
        return json.load(urllib.request.urlopen(self.url + path))

    def bytes(self, path):
        return urllib.request.urlopen(self.url + path).read()

    def run(self, run_id):
        """Our own record of a run (latest metrics with their counts)."""
        return self.get("/api/2.0/runhistory/runs/get?run_id=" + run_id)["run"]

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def check_written(src):
    """The writer did what the tests rely on (so no comparison below is vacuous)."""
    b = src["baseline"]
    assert len(b["history"]["loss"]) == 50 and len(b["history"]["acc"]) == 20
    assert [p[2] for p in b["history"]["val_loss"]] == ["0.5", "nan", "0.25"]
    assert len(b["history"]["lr_now"]) == 2
    assert b["params"] == {"lr": "0.01", "optimizer": "adam", "epochs": "5", "batch_size": "32"}
    images = sorted(p for p in b["artifacts"] if p.startswith("images/"))
    assert len(images) == 4 and sum(p.endswith(".png") for p in images) == 2, images
    assert {"notes/readme.txt", "config/config.bin"} <= set(b["artifacts"])
    assert src["fold-1"]["tags"]["mlflow.parentRunId"] == b["run_id"]
    assert (src["broken"]["status"], src["stopped"]["status"], src["still-running"]["status"]) == \
        ("FAILED", "KILLED", "RUNNING")
    assert src["discarded"]["lifecycle_stage"] == "deleted"


def active(d):
    return {name: r for name, r in d.items() if r["lifecycle_stage"] == "active"}


@pytest.fixture
def quick_client(monkeypatch):
    """The official client in this process: no retries, and no tracking URI of its own."""
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")
    monkeypatch.setenv("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)


def populated(store):
    store.runs = store.write("populate")
    store.expected = store.write("dump")
    check_written(store.expected)
    return store


@pytest.fixture(scope="module")
def pg_store(tmp_path_factory):
    """The module's PostgreSQL store: made once (MLflow's first connect to a database runs its
    migrations, which takes a while)."""
    store = MlflowStore("postgres", tmp_path_factory.mktemp("mlflow-postgres"))
    try:
        yield populated(store)
    finally:
        store.drop()


@pytest.fixture(scope="module", params=["sqlite", "file", "postgres"])
def source(request, tmp_path_factory):
    """One populated store per kind for the module, with `runs` (name -> id) and `expected` (what
    MLflow's own client reads of it); the tests that use it only read it."""
    if request.param == "postgres":
        yield request.getfixturevalue("pg_store")
        return
    yield populated(MlflowStore(request.param, tmp_path_factory.mktemp("mlflow-" + request.param)))


@pytest.fixture(params=["sqlite", "file", "postgres"])
def writable(request, tmp_path):
    """A store this test may write to: a new one for SQLite and the file store; for PostgreSQL the
    module's (the test writes in an experiment of its own, which no other test reads)."""
    if request.param == "postgres":
        return request.getfixturevalue("pg_store")
    return MlflowStore(request.param, tmp_path)


# ---------------------------------------------------------------------------------------------
# Reading in place.


def test_the_cli_reads_an_mlflow_store_in_place_and_changes_nothing(source, tmp_path):
    """`--mlflow-store URI list/info/download` over each kind of store: MLflow's run ids and names,
    statuses, latest metric values (the latest of one step logged twice, a NaN not the latest), the
    deleted run only in the trash, the child run's parent, and every artifact byte for byte; for a
    file store the plain path and the file:/// URI read the same, for PostgreSQL postgresql:// and
    postgresql+psycopg2://; no file or row of the store changes."""
    before = source.digest()
    exp = source.expected
    runs = listed(source, "-e", "training", cwd=tmp_path)
    by_name = {r["name"]: r for r in runs}
    assert len(runs) == len(by_name) == len(ACTIVE["training"]), [r["name"] for r in runs]
    assert set(by_name) == ACTIVE["training"], "the deleted run is not listed"
    for name, r in by_name.items():
        assert r["run_id"] == exp[name]["run_id"], name
        assert r["status"] == LABEL[exp[name]["status"]], (name, r["status"])
        for key, latest in exp[name]["latest"].items():
            assert repr(float(r[key])) == latest, (name, key, r[key])
    assert by_name["baseline"]["lr_now"] == 0.05 and by_name["baseline"]["val_loss"] == 0.25
    assert by_name["fold-1"]["parent_run_id"] == exp["baseline"]["run_id"]

    (other,) = listed(source, "-e", "other", cwd=tmp_path)
    assert (other["name"], other["run_id"]) == ("elsewhere", exp["elsewhere"]["run_id"])
    everywhere = {r["run_id"] for r in listed(source, cwd=tmp_path)}
    assert everywhere >= {exp[n]["run_id"] for names in ACTIVE.values() for n in names}
    assert exp["discarded"]["run_id"] not in everywhere
    trash = listed(source, "--deleted", "-e", "training", cwd=tmp_path)
    assert [r["run_id"] for r in trash] == [exp["discarded"]["run_id"]]

    for spelling in source.also:  # file:///ABS/mlruns as the plain path, postgresql+psycopg2:// as postgresql://
        again = listed(source, "-e", "training", uri=spelling, cwd=tmp_path)
        assert {(r["run_id"], r["name"], r["status"]) for r in again} == \
            {(r["run_id"], r["name"], r["status"]) for r in runs}, spelling

    # `info` finds a run by its name and by MLflow's id.
    info = json.loads(run_cli(source, "info", "-r", "baseline", "-e", "training", cwd=tmp_path).stdout)
    assert info["run_id"] == exp["baseline"]["run_id"]
    for path in ("notes/readme.txt", "config/config.bin"):
        assert path in info["attachments"], info["attachments"]
    info = json.loads(run_cli(source, "info", "-r", exp["fold-1"]["run_id"], cwd=tmp_path).stdout)
    assert (info["name"], info["parent_run_id"]) == ("fold-1", exp["baseline"]["run_id"])

    dest = tmp_path / "dl"
    run_cli(source, "download", "-r", "baseline", "-e", "training", "-d", dest, cwd=tmp_path)
    got = {}
    for dirpath, _, filenames in os.walk(dest):
        for f in filenames:
            p = os.path.join(dirpath, f)
            with open(p, "rb") as fh:
                data = fh.read()
            got[os.path.relpath(p, dest).replace(os.sep, "/")] = [len(data), hashlib.sha256(data).hexdigest()]
    assert got == exp["baseline"]["artifacts"]
    assert (dest / "notes" / "readme.txt").read_text() == "lr warm-up done\n"

    assert source.digest() == before, "the MLflow store was only read"


def test_the_official_client_reads_a_served_mlflow_store_exactly_and_cannot_write(source, tmp_path, quick_client):
    """`serve --mlflow-store URI`, read by the official client: the experiments by name, the runs
    with MLflow's ids, params, tags, statuses, times and every metric point (values, steps,
    timestamps; NaN stays NaN) as MLflow itself reads them from the store; artifacts listed and
    downloaded byte for byte (also straight from /get-artifact); the deleted run out of the default
    search; the child under its parent. Every write is refused with PERMISSION_DENIED, saying
    read-only, and nothing in the store changes."""
    before = source.digest()
    exp = source.expected
    served = Served(["--mlflow-store", source.uri], tmp_path)
    try:
        client = MlflowClient(tracking_uri=served.url)
        names = {e.name for e in client.search_experiments()}
        assert {"Default", "training", "other"} <= names, names
        training = client.get_experiment_by_name("training")
        found = client.search_runs([training.experiment_id], max_results=1000)
        assert {r.info.run_name: r.info.run_id for r in found} == \
            {n: exp[n]["run_id"] for n in ACTIVE["training"]}, "the deleted run is not among the active"

        # Everything, deleted run included, as MLflow reads it from the store itself.
        got = dump(served.url)
        assert sorted(got) == sorted(exp)
        for name in exp:
            assert got[name] == exp[name], name

        base = exp["baseline"]["run_id"]
        loss = client.get_metric_history(base, "loss")
        assert sorted((m.step, m.timestamp, m.value) for m in loss) == \
            [(s, T0 + s * 1000, 1.0 / (s + 1)) for s in range(50)]
        val = sorted(client.get_metric_history(base, "val_loss"), key=lambda m: m.step)
        assert [m.value for m in val][::2] == [0.5, 0.25] and math.isnan(val[1].value)
        child = client.get_run(exp["fold-1"]["run_id"])
        assert child.data.tags["mlflow.parentRunId"] == base
        assert client.get_run(exp["discarded"]["run_id"]).info.lifecycle_stage == "deleted"

        top = {f.path for f in client.list_artifacts(base)}
        assert top == {"config", "images", "notes"}, top
        with open(client.download_artifacts(base, "notes/readme.txt", str(tmp_path)), "rb") as fh:
            assert fh.read() == b"lr warm-up done\n"
        for path, (size, sha) in exp["baseline"]["artifacts"].items():
            data = served.bytes("/get-artifact?run_id=%s&path=%s" % (base, urllib.parse.quote(path)))
            assert (len(data), hashlib.sha256(data).hexdigest()) == (size, sha), path

        # Our own record of the run: the latest point and how many the series holds.
        ours = served.run(base)
        assert ours["params"] == exp["baseline"]["params"]
        assert (ours["metrics"]["loss"]["count"], ours["metrics"]["loss"]["step"]) == (50, 49)
        assert ours["metrics"]["lr_now"]["count"] == 2 and ours["metrics"]["lr_now"]["value"] == 0.05

        writes = [
            lambda: client.create_experiment("new"),
            lambda: client.log_metric(base, "loss", 5.0, step=99),
            lambda: client.set_tag(base, "k", "v"),
        ]
        for write in writes:
            with pytest.raises(MlflowException) as refused:
                write()
            assert refused.value.error_code == "PERMISSION_DENIED", refused.value
            assert "read-only" in str(refused.value), refused.value
        assert len(client.get_metric_history(base, "loss")) == 50
    finally:
        served.stop()
    assert source.digest() == before, "the MLflow store was only read and served"


def test_a_served_mlflow_store_grows_live_as_training_writes(writable, tmp_path, quick_client):
    """While `serve --mlflow-store` runs, the official client (another process) goes on logging to
    a RUNNING run (a last point with an older timestamp than all), starts a new run and renames the
    experiment, and gives a run that has ended a late point and a note, straight into the store;
    within 30 s the served history is exactly the store's, each point once, the new run is
    listed, the experiment has its new name and the ended run its late point and note."""
    store = writable
    started = store.write("live-start")
    run_id, done_id = started["run_id"], started["done_id"]
    served = Served(["--mlflow-store", store.uri], tmp_path)
    try:
        client = MlflowClient(tracking_uri=served.url)

        def history():
            return sorted((m.step, m.timestamp, m.value) for m in client.get_metric_history(run_id, "loss"))

        def names(experiment):
            exp = client.get_experiment_by_name(experiment)
            return {r.info.run_name for r in client.search_runs([exp.experiment_id])} if exp else set()

        assert history() == [live_point(s) for s in range(10)]
        assert names("growing") == {"live", "done"}
        def late():
            return len(client.get_metric_history(done_id, "score"))

        assert late() == 1
        store.write("live-more", run_id, done_id)
        deadline = time.time() + 30
        while time.time() < deadline and (len(history()) < 26 or names("grown") != {"live", "done", "second"}
                                          or late() < 2):
            time.sleep(0.5)
        assert history() == sorted([live_point(s) for s in range(25)] + [LATE_POINT]), "each new point once"
        assert names("grown") == {"live", "done", "second"}, "the experiment is renamed there, and here"
        assert client.get_run(run_id).info.status == "RUNNING"
        # A run that has ended, given a point and a note later, is read again (within 10 s).
        assert [m.value for m in sorted(client.get_metric_history(done_id, "score"), key=lambda m: m.step)] == \
            [0.5, 0.75]
        assert client.get_run(done_id).data.tags.get("mlflow.note.content") == "evaluated later"
    finally:
        served.stop()


# ---------------------------------------------------------------------------------------------
# Importing.


class Destination:
    """Where `import` copies to: a store folder, or a PostgreSQL database with its files."""

    def __init__(self, kind, tmp_path):
        self.tmp_path = tmp_path
        self.db = None
        if kind == "folder":
            self.store = tmp_path / "store"
            self.import_args = ["--into", self.store]
            self.serve_args = ["--store", self.store]
        else:
            self.db = scratch_database()
            files = (tmp_path / "files").as_uri()
            self.import_args = ["--database", self.db.url, "--artifacts", files]
            self.serve_args = ["--database", self.db.url, "--artifacts", files]

    def served(self):
        return Served(self.serve_args, self.tmp_path)

    def listed(self, served):
        """`list -o json -e training` of the copy: the folder read directly, a database through its server."""
        where = ["--store", self.store] if self.db is None else ["--server", served.url]
        return json.loads(run_bin(*where, "list", "-o", "json", "-e", "training", cwd=self.tmp_path).stdout)

    def drop(self):
        if self.db:
            self.db.drop()


@pytest.fixture(params=["sqlite-into-folder", "file-into-postgres"])
def importing(request, tmp_path):
    kind, dest_kind = request.param.split("-into-")
    dest = Destination(dest_kind, tmp_path)
    store = MlflowStore(kind, tmp_path)
    yield store, dest
    store.drop()
    dest.drop()


def test_import_copies_an_mlflow_store_for_good_and_run_again_adds_only_what_is_new(importing, tmp_path, quick_client):
    """`--mlflow-store URI import` into a store folder (from SQLite) and into PostgreSQL (from a file
    store): the copy holds the same active runs with MLflow's ids, params, tags, statuses and times,
    every metric point and every artifact byte; a second import changes nothing (no point doubled);
    after training goes on, a third import adds exactly the new points, file and run. The source
    is only read each time."""
    store, dest = importing
    runs = store.write("populate")
    source = store.write("dump")
    check_written(source)

    def import_once():
        before = store.digest()
        run_cli(store, "import", *dest.import_args, cwd=tmp_path)
        assert store.digest() == before, "import only reads the MLflow store"

    def check_copy(expected, loss_count):
        served = dest.served()
        try:
            got = active(dump(served.url))
            assert sorted(got) == sorted(active(expected))
            for name, run in active(expected).items():
                assert got[name] == run, name
            base = expected["baseline"]["run_id"]
            assert served.run(base)["metrics"]["loss"]["count"] == loss_count
            listed_runs = dest.listed(served) if dest.db else None
        finally:
            served.stop()
        if listed_runs is None:  # a store folder is listed directly, once its server is gone
            listed_runs = dest.listed(None)
        assert {(r["name"], r["run_id"]) for r in listed_runs} == \
            {(n, r["run_id"]) for n, r in active(expected).items() if r["experiment"] == "training"}

    import_once()
    check_copy(source, 50)
    import_once()
    check_copy(source, 50)

    store.write("more", runs["baseline"], runs["still-running"])
    grown = store.write("dump")
    assert len(grown["baseline"]["history"]["loss"]) == 60 and "late" in grown
    import_once()
    check_copy(grown, 60)

    # The copy is ours now: it takes writes.
    served = dest.served()
    try:
        MlflowClient(tracking_uri=served.url).set_tag(runs["baseline"], "k", "v")
    finally:
        served.stop()


def test_a_logged_model_is_served_in_place_and_imported(tmp_path, quick_client):
    """A model logged with MLflow 3's `log_model` into a SQLite store: served in place, the official
    client finds it by its id (its name, source run, params, status) and loads it by
    `models:/<id>` from the files where MLflow put them; imported, the copy holds it too, its files
    copied, and loads the same."""
    store = MlflowStore("sqlite", tmp_path)
    logged = store.write("with-model")
    before = store.digest()
    dest = Destination("folder", tmp_path)

    def check(served):
        client = MlflowClient(tracking_uri=served.url)
        model = client.get_logged_model(logged["model_id"])
        assert (model.name, model.source_run_id) == ("line", logged["run_id"])
        assert model.params == {"alpha": "0"}
        assert str(model.status).endswith("READY"), model.status
        mlflow.set_tracking_uri(served.url)
        try:
            loaded = mlflow.sklearn.load_model("models:/" + logged["model_id"])
        finally:
            mlflow.set_tracking_uri(None)
        assert loaded.predict([[3.0]]).tolist() == pytest.approx([7.0])

    served = Served(["--mlflow-store", store.uri], tmp_path)
    try:
        check(served)
    finally:
        served.stop()
    run_cli(store, "import", *dest.import_args, cwd=tmp_path)
    assert store.digest() == before
    served = dest.served()
    try:
        check(served)
    finally:
        served.stop()


if __name__ == "__main__":
    main(sys.argv)
