"""TensorBoard logdirs read in place: event files written by real writers from PyPI (tensorboardX,
and TensorBoard's own writer with its summary protos), read through the CLI and a served logdir,
with no TensorFlow. Values, steps, wall times, images, text and hparams arrive exactly; a file cut
mid-record is read to its last whole record; a damaged record is skipped with a warning; the logdir
grows live; every write is refused and nothing in the logdir is changed."""

import json
import os
import subprocess
import time
import urllib.error
import urllib.request

import numpy as np
import pytest

from conftest import BIN, tree_digest

tensorboardX = pytest.importorskip("tensorboardX")
from tensorboard.compat.proto import event_pb2  # noqa: E402
from tensorboard.plugins.scalar import summary_v2 as scalar_v2  # noqa: E402
from tensorboard.summary.writer.event_file_writer import EventFileWriter  # noqa: E402


def run_cli(logdir, *args, ok=True):
    out = subprocess.run([BIN, "--logdir", str(logdir), *args], capture_output=True, text=True, timeout=120)
    if ok:
        assert out.returncode == 0, out.stderr
    return out


def write_logdir(root):
    """Two runs by two writers, as a user's logdir holds them."""
    w = tensorboardX.SummaryWriter(str(root / "tbx"))
    for step in range(100):
        w.add_scalar("train/loss", 1.0 / (step + 1), step, walltime=1_700_000_000 + step * 0.5)
    w.add_image("val/sample", np.full((3, 4, 6), 200, dtype=np.uint8), 40, walltime=1_700_000_100)
    w.add_text("notes", "lr warm-up done", 10, walltime=1_700_000_005)
    w.close()
    # hparams as TensorBoard shows them: a run of their own, in a folder below the writer's.
    w = tensorboardX.SummaryWriter(str(root / "sweep"))
    w.add_hparams({"lr": 0.01, "optimizer": "adam", "augment": True}, {"hp/accuracy": 0.875}, name="trial_1")
    w.close()
    fw = EventFileWriter(str(root / "tf2"))
    for step in range(50):
        summary = scalar_v2.scalar_pb("accuracy", 0.5 + step / 100.0)
        fw.add_event(event_pb2.Event(wall_time=1_700_001_000 + step, step=step * 10, summary=summary))
    fw.close()


def runs_by_name(logdir):
    runs = json.loads(run_cli(logdir, "list", "-o", "json").stdout)
    return {r["name"]: r for r in runs}


class Served:
    """`runhistory serve --logdir` on a free port, its stderr kept for the warnings."""

    def __init__(self, root, tmp_path):
        self.err = tmp_path / "serve.err"
        self.proc = subprocess.Popen([BIN, "serve", "--port", "0", "--logdir", str(root)],
                                     stdout=subprocess.PIPE, stderr=open(self.err, "w"), text=True)
        self.url = self.proc.stdout.readline().split()[-1]
        self.serving = self.proc.stdout.readline()

    def get(self, path):
        return json.load(urllib.request.urlopen(self.url + path))

    def run(self, run_id):
        return self.get("/api/2.0/runhistory/runs/get?run_id=" + run_id)["run"]

    def history(self, run_id, key):
        return self.get("/api/2.0/mlflow/metrics/get-history?run_id=%s&metric_key=%s" % (run_id, key))["metrics"]

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def test_event_files_of_real_writers_are_read_exactly_and_nothing_is_changed(tmp_path):
    root = tmp_path / "logs"
    write_logdir(root)
    before = tree_digest(root)
    runs = runs_by_name(root)
    assert sorted(runs) == ["sweep/trial_1", "tbx", "tf2"], sorted(runs)

    # `info` finds a run by its folder's name.
    assert json.loads(run_cli(root, "info", "-r", "tbx").stdout)["run_id"] == runs["tbx"]["run_id"]

    served = Served(root, tmp_path)
    try:
        url = served.url
        assert "read-only" in served.serving
        tbx = served.run(runs["tbx"]["run_id"])
        loss = tbx["metrics"]["train/loss"]
        assert (loss["count"], loss["step"]) == (100, 99)
        assert loss["value"] == pytest.approx(0.01, rel=1e-6)
        assert tbx["start_time"] == 1_700_000_000_000
        hist = served.history(tbx["run_id"], "train/loss")
        assert [m["step"] for m in hist] == list(range(100))
        assert [m["timestamp"] for m in hist][:3] == [1_700_000_000_000, 1_700_000_000_500, 1_700_000_001_000]
        assert [m["value"] for m in hist][:3] == [1.0, 0.5, pytest.approx(1 / 3, rel=1e-7)]

        tf2 = runs["tf2"]
        acc = served.history(tf2["run_id"], "accuracy")
        assert [m["step"] for m in acc] == [s * 10 for s in range(50)]
        assert acc[49]["value"] == pytest.approx(0.99, rel=1e-6)

        # The official MLflow client reads it, and is refused when it writes.
        import mlflow
        from mlflow.exceptions import MlflowException

        client = mlflow.MlflowClient(tracking_uri=url)
        exp = client.get_experiment_by_name("logs")
        found = client.search_runs([exp.experiment_id], order_by=["attributes.run_name ASC"])
        assert [r.info.run_name for r in found] == ["sweep/trial_1", "tbx", "tf2"]
        with pytest.raises(MlflowException) as refused:
            client.log_metric(tbx["run_id"], "train/loss", 5.0)
        assert "read-only" in str(refused.value)
        req = urllib.request.Request(url + "/api/2.0/mlflow/experiments/create", data=b'{"name": "x"}',
                                     headers={"Content-Type": "application/json"}, method="POST")
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req)
        assert e.value.code == 403
        assert json.load(e.value)["error_code"] == "PERMISSION_DENIED"

        sweep = served.run(runs["sweep/trial_1"]["run_id"])
        assert sweep["params"] == {"lr": "0.01", "optimizer": "adam", "augment": "true"}
        assert sweep["metrics"]["hp/accuracy"]["value"] == 0.875
    finally:
        served.stop()

    dest = tmp_path / "dl"
    run_cli(root, "download", "-r", "tbx", "-d", str(dest))
    images = sorted(p.name for p in (dest / "images").iterdir())
    assert images == ["val#sample%step%40%timestamp%1700000100000%0.png"], images
    assert (dest / "images" / images[0]).read_bytes().startswith(b"\x89PNG")
    assert (dest / "text" / "notes#text_summary" / "step_10.txt").read_text() == "lr warm-up done"

    assert tree_digest(root) == before, "the logdir was only read"


def test_a_cut_file_reads_to_its_last_whole_record_and_a_damaged_record_is_skipped(tmp_path):
    root = tmp_path / "logs"
    write_logdir(root)
    (tbx_file,) = [p for p in (root / "tbx").iterdir() if p.is_file()]
    data = tbx_file.read_bytes()
    (root / "cut").mkdir()
    (root / "cut" / tbx_file.name).write_bytes(data[:-7])  # a writer stopped mid-record
    damaged = bytearray(data)
    # The 50th scalar's value: find its record by the float written for step 49.
    at = bytes(damaged).index(np.float32(1.0 / 50).tobytes())
    damaged[at] ^= 0xFF
    (root / "damaged").mkdir()
    (root / "damaged" / tbx_file.name).write_bytes(bytes(damaged))

    runs = runs_by_name(root)
    served = Served(root, tmp_path)
    try:
        # The last record written was the text; the scalars before it all arrived.
        assert served.run(runs["cut"]["run_id"])["metrics"]["train/loss"]["count"] == 100
        steps = [m["step"] for m in served.history(runs["damaged"]["run_id"], "train/loss")]
        assert steps == [s for s in range(100) if s != 49], "the damaged record alone is skipped"
    finally:
        served.stop()
    warnings = served.err.read_text()
    assert "skipped a damaged record in" in warnings and os.path.join("damaged", tbx_file.name) in warnings, warnings
    assert os.path.join("cut", tbx_file.name) not in warnings, "a cut record is no damage: " + warnings


def test_a_served_logdir_grows_live_as_training_writes(tmp_path):
    root = tmp_path / "logs"
    root.mkdir()
    serve = subprocess.Popen([BIN, "serve", "--port", "0", "--logdir", str(root)], stdout=subprocess.PIPE, text=True)
    try:
        url = serve.stdout.readline().split()[-1]
        w = tensorboardX.SummaryWriter(str(root / "live"), flush_secs=1)

        def history():
            exp = json.load(urllib.request.urlopen(url + "/api/2.0/mlflow/experiments/get-by-name?experiment_name=logs"))
            body = json.dumps({"experiment_ids": [exp["experiment"]["experiment_id"]]}).encode()
            req = urllib.request.Request(url + "/api/2.0/mlflow/runs/search", data=body,
                                         headers={"Content-Type": "application/json"})
            runs = json.load(urllib.request.urlopen(req)).get("runs", [])
            if not runs:
                return []
            run_id = runs[0]["info"]["run_id"]
            hist = json.load(urllib.request.urlopen(
                url + "/api/2.0/mlflow/metrics/get-history?run_id=%s&metric_key=loss" % run_id))
            return [m["step"] for m in hist.get("metrics", [])]

        def wait_for(n):
            deadline = time.time() + 30
            while time.time() < deadline:
                steps = history()
                if len(steps) >= n:
                    return steps
                time.sleep(0.2)
            raise AssertionError("only %s of %d steps arrived" % (history(), n))

        for step in range(10):
            w.add_scalar("loss", 1.0 / (step + 1), step)
        w.flush()
        assert wait_for(10) == list(range(10))
        for step in range(10, 25):
            w.add_scalar("loss", 1.0 / (step + 1), step)
        w.flush()
        assert wait_for(25) == list(range(25)), "each value once, in order"
        w.close()
    finally:
        serve.kill()
        serve.wait()


def test_a_missing_logdir_is_one_clear_line(tmp_path):
    out = run_cli(tmp_path / "nowhere", "list", ok=False)
    assert out.returncode == 1
    assert "nowhere" in out.stderr and "not a folder" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_import_copies_a_logdir_for_good_and_run_again_adds_only_what_is_new(tmp_path, database):
    root = tmp_path / "logs"
    write_logdir(root)
    before = tree_digest(root)
    target = ["--into", str(tmp_path / "store")]
    if database:
        target = ["--database", database, "--artifacts", (tmp_path / "files").as_uri()]
    out = run_cli(root, "import", *target)
    assert "Imported 151 points, 1 images and 1 texts (3 new runs)" in out.stdout, out.stdout
    again = run_cli(root, "import", *target)
    assert "Imported 0 points, 0 images and 0 texts (0 new runs)" in again.stdout, again.stdout

    # Training goes on in one run: a new writer adds a file; the import adds its points alone.
    w = tensorboardX.SummaryWriter(str(root / "tbx"), filename_suffix=".resumed")
    for step in range(100, 110):
        w.add_scalar("train/loss", 0.005, step, walltime=1_700_000_200 + step)
    w.close()
    more = run_cli(root, "import", *target)
    assert "Imported 10 points, 0 images and 0 texts (0 new runs)" in more.stdout, more.stdout

    store_args = ["--database", database] if database else ["--store", str(tmp_path / "store")]
    s = subprocess.Popen([BIN, "serve", "--port", "0", *store_args] +
                         (["--artifacts", (tmp_path / "files").as_uri()] if database else []),
                         stdout=subprocess.PIPE, text=True)
    try:
        url = s.stdout.readline().split()[-1]
        exp = json.load(urllib.request.urlopen(url + "/api/2.0/mlflow/experiments/get-by-name?experiment_name=logs"))
        body = json.dumps({"experiment_ids": [exp["experiment"]["experiment_id"]],
                           "filter": "attributes.run_name = 'tbx'"}).encode()
        req = urllib.request.Request(url + "/api/2.0/mlflow/runs/search", data=body,
                                     headers={"Content-Type": "application/json"})
        (run,) = json.load(urllib.request.urlopen(req))["runs"]
        hist = json.load(urllib.request.urlopen(
            url + "/api/2.0/mlflow/metrics/get-history?run_id=%s&metric_key=train/loss" % run["info"]["run_id"]))
        assert [m["step"] for m in hist["metrics"]] == list(range(110)), "every step once"
        # The imported store takes writes: it is ours now.
        req = urllib.request.Request(url + "/api/2.0/mlflow/runs/set-tag", method="POST",
                                     data=json.dumps({"run_id": run["info"]["run_id"], "key": "k", "value": "v"}).encode(),
                                     headers={"Content-Type": "application/json"})
        urllib.request.urlopen(req)
    finally:
        s.kill()
        s.wait()
    assert tree_digest(root) != before, "the writer added a file"
