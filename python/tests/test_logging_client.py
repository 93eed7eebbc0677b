"""The standard-library logging client against the real server."""

import json
import os
import subprocess
import sys
import textwrap
import time
import urllib.request

from conftest import BIN, ROOT, Server, cli

PYTHON_DIR = str(ROOT / "python")


def run_script(tmp_path, body, env):
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(body))
    full = dict(os.environ, PYTHONPATH=PYTHON_DIR, **env)
    # The system python3 with only PYTHONPATH: proves the package needs nothing beyond the standard library.
    return subprocess.run(["python3", str(script), "0.5"], capture_output=True, text=True, env=full, cwd=tmp_path, timeout=60)


def info(server, run_id):
    return json.loads(cli("info", "-r", run_id, "--server", server.url))


def test_every_value_type_arrives(server, tmp_path):
    image = tmp_path / "plot.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    out = run_script(
        tmp_path,
        """
        import sys
        from runhistory import get_logger
        logger = get_logger()
        logger.log("simple integer value", 7)
        logger.log("simple float value", 3.141592)
        logger.log("simple string value", "this is a string metric")
        logger.log("chart data points", [1, 3, 5, 10, 6, 4])
        logger.log("Regularization Rate", float(sys.argv[1]))
        logger.log("nan", float("nan"))
        logger.log_table("table", {"a": [1, 2], "b": ["x", "y"]})
        logger.log_row("rows", epoch=1, loss=0.5)
        logger.log_row("rows", epoch=2, loss=0.25)
        logger.log_image("plot", "plot.png")
        logger.log_image("val/sample", "plot.png", step=20)
        logger.log_image("bad step", "plot.png", step="x")
        logger.upload("outputs/model.txt", "weights")
        assert logger.log("Accuracy", 0.68).wait() is True
        print(logger.run_id)
        """,
        {"RUNHISTORY_SERVER": server.url, "RUNHISTORY_EXPERIMENT": "seed"},
    )
    assert out.returncode == 0, out.stderr
    run_id = out.stdout.strip().splitlines()[-1]
    i = info(server, run_id)
    assert i["simple integer value"] == 7
    assert i["simple float value"] == 3.141592
    assert i["simple string value"] == "this is a string metric"
    assert i["chart data points"] == 4, "a list is a series; its latest point is the last item"
    assert i["Accuracy"] == 0.68
    assert i["nan"] == "nan"
    assert i["status"] == "Completed", "a run created by the logger is completed at exit"
    assert i["script_name"] == "train.py"
    files = set(i["attachments"].split(", "))
    stepped = [f for f in files if f.startswith("images/val~sample+step+20+timestamp+")]
    assert len(stepped) == 1 and stepped[0].endswith(".png"), files
    assert files - set(stepped) == {"images/plot.png", "outputs/model.txt"}, "a bad step is refused, not raised"
    assert "step must be a whole number" in out.stderr
    full = json.load(urllib.request.urlopen(server.url + "/api/2.0/runhistory/runs/get?run_id=" + run_id))["run"]
    assert full["metrics"]["chart data points"]["count"] == 6
    assert full["values"]["table"]["value"] == {"columns": ["a", "b"], "rows": [[1, "x"], [2, "y"]]}
    assert full["values"]["rows"]["value"] == {"columns": ["epoch", "loss"], "rows": [[1, 0.5], [2, 0.25]]}
    assert full["values"]["plot"] == {"key": "plot", "kind": "image", "value": "images/plot.png"}
    assert full["values"]["val/sample"]["value"] == stepped[0], "the latest image of the series"

    assert full["arguments"] == ["0.5"]
    assert cli("info", "-r", run_id, "-a", "outputs/model.txt", "--server", server.url) == "weights"


def test_tracked_run_from_environment_is_not_completed_by_the_logger(server, tmp_path):
    created = subprocess.run(
        ["python3", "-c", "import runhistory; r = runhistory.start_run(experiment='t'); r.wait(); print(r.run_id)"],
        capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=PYTHON_DIR, RUNHISTORY_SERVER=server.url,
                                                 RUNHISTORY_FLUSH_TIMEOUT="0.5"),
    )
    assert created.returncode == 0, created.stderr
    run_id = created.stdout.strip()
    out = run_script(tmp_path, "from runhistory import get_logger\nget_logger().log('x', 1).wait()\n",
                     {"RUNHISTORY_SERVER": server.url, "RUNHISTORY_RUN_ID": run_id})
    assert out.returncode == 0, out.stderr
    i = info(server, run_id)
    assert i["x"] == 1
    assert i["status"] in ("Completed", "Running")


def test_interactive_session_context_manager_marks_failure(server, tmp_path):
    out = run_script(
        tmp_path,
        """
        import runhistory
        try:
            with runhistory.start_run(experiment="interactive", name="nb") as run:
                run.log("loss", 0.1)
                raise ValueError("boom")
        except ValueError:
            pass
        print(run.run_id)
        """,
        {"RUNHISTORY_SERVER": server.url},
    )
    assert out.returncode == 0, out.stderr
    i = info(server, out.stdout.strip())
    assert (i["status"], i["name"], i["loss"]) == ("Failed", "nb", 0.1)


def test_bad_input_never_raises_in_the_training_loop(server, tmp_path):
    out = run_script(
        tmp_path,
        """
        from runhistory import get_logger, RunHistoryError
        logger = get_logger()
        h = logger.log("obj", object())
        logger.log("", 1)
        logger.log("mixed", [1, "a"])
        logger.log("k" * 300, 1)            # refused before it can spoil a batch
        try:
            h.wait()
            raise SystemExit("wait() should report the refusal")
        except RunHistoryError:
            pass
        logger.log("fine", 1).wait()
        print("survived")
        """,
        {"RUNHISTORY_SERVER": server.url},
    )
    assert out.returncode == 0, out.stderr
    assert "survived" in out.stdout
    assert "cannot log a object" in out.stderr


def test_server_down_spools_and_restart_ingests_without_duplicates(tmp_path, database):
    store = tmp_path / "store"
    s = Server(store, database=database).start()
    url = s.url
    s.stop()  # nothing listens there now
    started = time.time()
    out = run_script(
        tmp_path,
        """
        import time
        from runhistory import get_logger
        logger = get_logger()
        t = time.perf_counter()
        for i in range(10000):
            logger.log("loss", 1.0 / (i + 1))
        logger.log("chart", [1, 2, 3])
        print("log seconds", time.perf_counter() - t)
        print(logger.run_id)
        """,
        {"RUNHISTORY_SERVER": url, "RUNHISTORY_STORE": str(store), "RUNHISTORY_FLUSH_TIMEOUT": "1"},
    )
    assert out.returncode == 0, out.stderr
    assert time.time() - started < 30
    assert "saved to" in out.stderr
    run_id = out.stdout.strip().splitlines()[-1]
    for _ in range(2):  # the second start must not add anything again
        s = Server(store, database=database).start()
        try:
            run = json.load(urllib.request.urlopen(s.url + "/api/2.0/runhistory/runs/get?run_id=" + run_id))["run"]
        finally:
            s.stop()
        assert run["metrics"]["loss"]["count"] == 10000
        assert run["metrics"]["chart"]["count"] == 3
        assert run["status"] == "Completed"


def test_pip_installed_package_imports():
    import runhistory

    assert hasattr(runhistory, "get_logger")


def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_outage_spills_to_disk_past_the_limit_and_everything_arrives_when_the_server_returns(tmp_path):
    # The logger's memory while no server answers: the store behind the server plays no part.
    database = None
    store = tmp_path / "store"
    port = _free_port()
    ready, go = tmp_path / "ready", tmp_path / "go"
    script = tmp_path / "outage.py"
    script.write_text(textwrap.dedent(
        """
        import os, sys, time
        from runhistory import get_logger
        logger = get_logger()
        worker = logger._worker
        spool = os.path.join(os.environ["RUNHISTORY_STORE"], "spool")
        peak = 0
        for i in range(30000):
            logger.log("loss", float(i))  # the server is down: this must neither block nor raise
            if i % 500 == 0:
                time.sleep(0.005)  # let the sender batch and spill while we log
                peak = max(peak, worker.pending_items + len(worker.queue))
        time.sleep(0.5)
        peak = max(peak, worker.pending_items + len(worker.queue))
        listing = lambda: os.listdir(spool) if os.path.isdir(spool) else []
        spilled = [f for f in listing() if f.endswith(".jsonl")]
        print("peak in memory", peak, "spill files", len(spilled))
        open(sys.argv[1], "w").close()
        while not os.path.exists(sys.argv[2]):
            time.sleep(0.05)
        logger.wait(timeout=60)  # everything acknowledged once the server is back
        left = [f for f in listing() if f.endswith(".jsonl")]
        print("spill files left", len(left))
        print(logger.run_id)
        """
    ))
    env = dict(
        os.environ,
        PYTHONPATH=PYTHON_DIR,
        RUNHISTORY_SERVER="http://127.0.0.1:%d" % port,
        RUNHISTORY_STORE=str(store),
        RUNHISTORY_MAX_PENDING="2000",
    )
    proc = subprocess.Popen(
        ["python3", str(script), str(ready), str(go)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    deadline = time.time() + 60
    while not ready.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.time() < deadline, "the script never finished logging"
        time.sleep(0.05)
    s = Server(store, port=port, database=database).start()
    try:
        go.touch()
        out, err = proc.communicate(timeout=90)
        assert proc.returncode == 0, err
        lines = out.strip().splitlines()
        peak = int(lines[0].split()[3])
        assert peak <= 2 * 2000, "memory stayed bounded: %s" % lines[0]
        assert int(lines[0].split()[-1]) >= 5, "values went to disk: %s" % lines[0]
        assert lines[1] == "spill files left 0", lines[1]
        run_id = lines[-1]
        run = json.load(urllib.request.urlopen(s.url + "/api/2.0/runhistory/runs/get?run_id=" + run_id))["run"]
        assert run["metrics"]["loss"]["count"] == 30000, "every value once"
        hist = json.load(urllib.request.urlopen(
            s.url + "/api/2.0/mlflow/metrics/get-history?run_id=%s&metric_key=loss&max_results=25000" % run_id))
        assert [m["value"] for m in hist["metrics"][:3]] == [0.0, 1.0, 2.0], "in order"
    finally:
        s.stop()
