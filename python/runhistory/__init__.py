"""Run History logging client, standard library only.

    from runhistory import get_logger
    logger = get_logger()
    logger.log("Accuracy", 0.93)          # queued; never blocks, never raises
    logger.log("loss", [0.9, 0.5, 0.3])   # a list becomes a series (a chart)
    logger.log("Accuracy", 0.95).wait()   # block until the server has it

The server and run come from RUNHISTORY_SERVER and RUNHISTORY_RUN_ID (set by tracked runs);
otherwise a run is created on first use in RUNHISTORY_EXPERIMENT (or "Default").
"""

import atexit
import itertools
import os
import sys
import threading
import time
import uuid

from ._worker import Worker

__all__ = ["get_logger", "start_run", "Run", "Handle", "RunHistoryError"]
__version__ = "0.1.0"

DEFAULT_SERVER = "http://127.0.0.1:5000"
_UPLOAD = "/api/2.0/runhistory/runs/artifacts"


class RunHistoryError(Exception):
    """Raised by Handle.wait() when a value was refused; never by log()."""


class Handle:
    """What log() returns: wait() blocks until the server has acknowledged the value."""

    __slots__ = ("_worker", "_seq")

    def __init__(self, worker, seq):
        self._worker = worker
        self._seq = seq

    def wait(self, timeout=60.0):
        return self._worker.wait(self._seq, timeout)


_seq = itertools.count(1)
_lock = threading.Lock()
_worker = None
_default_run = None


def _env(name, default=None):
    v = os.environ.get(name)
    return v if v else default


def _get_worker():
    global _worker
    with _lock:
        if _worker is None:
            # A tracked run's launcher names the outbox it sends on; else the store's spool,
            # which the server replays when it opens the store.
            spool = _env("RUNHISTORY_SPOOL") or os.path.join(_env("RUNHISTORY_STORE", ".runhistory"), "spool")
            _worker = Worker(
                _env("RUNHISTORY_SERVER", DEFAULT_SERVER),
                _env("RUNHISTORY_TOKEN") or _env("MLFLOW_TRACKING_TOKEN"),
                spool,
                float(_env("RUNHISTORY_FLUSH_TIMEOUT", "5")),
            )
            atexit.register(_shutdown)
        return _worker


MAX_NAME_LEN = 250  # the server's (and MLflow's) limit on keys


def _bad_name(name):
    """Why a name would be refused by the server, or None. Checked here so that one bad name
    never makes the server refuse a whole batch of good values."""
    if not isinstance(name, str) or not name:
        return "log() needs a non-empty string name, got %r" % (name,)
    if len(name.encode()) > MAX_NAME_LEN:
        return "name %r... is longer than %d bytes" % (name[:40], MAX_NAME_LEN)
    if "\0" in name:
        return "name %r contains a NUL character" % (name,)
    return None


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


class Run:
    """One run to log into. Created by start_run() or get_logger(); complete() or fail() ends it
    (a tracked run is ended by its launcher). Usable as a context manager."""

    def __init__(self, run_id, experiment_id=None, owned=False):
        self.run_id = run_id
        self.experiment_id = experiment_id
        self._owned = owned
        self._ended = False
        self._worker = _get_worker()

    def _put(self, record):
        seq = next(_seq)
        self._worker.put(seq, record)
        return Handle(self._worker, seq)

    def _warn(self, message):
        sys.stderr.write("runhistory: %s\n" % message)
        seq = next(_seq)
        self._worker.refused[seq] = message
        return Handle(self._worker, seq)

    def log(self, name, value, step=None):
        """Logs an int or float (one more point of the series `name`), a string, or a list of numbers."""
        problem = _bad_name(name)
        if problem:
            return self._warn(problem)
        if _is_number(value):
            return self._put(("log", self.run_id, "point", name, float(value), step, int(time.time() * 1000)))
        if isinstance(value, str):
            return self._put(("log", self.run_id, "string", name, value, None, 0))
        if isinstance(value, (list, tuple)):
            if all(_is_number(v) for v in value):
                return self._put(("log", self.run_id, "list", name, [float(v) for v in value], None, 0))
            return self._warn("log(%r): a list must hold only numbers" % name)
        if isinstance(value, bool):
            return self._put(("log", self.run_id, "point", name, float(value), step, int(time.time() * 1000)))
        return self._warn("log(%r): cannot log a %s; use a number, a string or a list of numbers" % (name, type(value).__name__))

    def log_param(self, name, value):
        if _bad_name(name):
            return self._warn(_bad_name(name))
        return self._put(("log", self.run_id, "param", name, str(value), None, 0))

    def set_tag(self, name, value):
        if _bad_name(name):
            return self._warn(_bad_name(name))
        return self._put(("log", self.run_id, "tag", name, str(value), None, 0))

    def log_table(self, name, table):
        """Logs a table given as {column: [cells]} (all columns the same length)."""
        if not isinstance(table, dict):
            return self._warn("log_table(%r) takes a dict of columns" % name)
        columns = list(table.keys())
        length = max((len(v) for v in table.values()), default=0)
        rows = [[(table[c][i] if i < len(table[c]) else None) for c in columns] for i in range(length)]
        return self._put(("log", self.run_id, "table", name, {"columns": columns, "rows": rows}, None, 0))

    def log_row(self, name, **cells):
        """Appends one row to the table `name`."""
        return self._put(("log", self.run_id, "row", name, cells, None, 0))

    def upload(self, path, content):
        """Stores `content` (bytes or str) as the artifact `path` of this run."""
        if isinstance(content, str):
            content = content.encode()
        segments = [s for s in str(path).replace("\\", "/").split("/") if s]
        if not segments or any(s in (".", "..") for s in segments):
            return self._warn("upload(%r): not a valid artifact path" % (path,))
        from urllib.parse import quote

        target = "%s/%s/%s" % (_UPLOAD, self.run_id, "/".join(quote(s, safe="") for s in segments))
        return self._put(("upload", {"op": "upload", "path": target, "content": bytes(content)}))

    def log_image(self, name, path, step=None):
        """Uploads an image file and records it under `name` (shown as an image in the workbench).

        With a `step`, the image is one of a series over steps (a slider in the workbench), named
        as MLflow's `log_image(key=, step=)` names its files, so either tool shows the other's."""
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            return self._warn("log_image(%r): %s" % (name, e))
        if step is None:
            artifact = "images/" + os.path.basename(path)
        else:
            try:
                step = int(step)
            except (TypeError, ValueError):
                return self._warn("log_image(%r): step must be a whole number, not %r" % (name, step))
            # MLflow's image keys: letters, digits, _ - . space and /, a / written ~ in the name.
            key = "".join(c if c.isalnum() or c in "_-. /" else "_" for c in str(name)).replace("/", "~")
            ext = os.path.splitext(path)[1].lower() or ".png"
            artifact = "images/%s+step+%d+timestamp+%d+%s%s" % (
                key, step, int(time.time() * 1000), uuid.uuid4(), ext)
        self.upload(artifact, data)
        return self._put(("log", self.run_id, "image", name, artifact, None, 0))

    def _end(self, status):
        if self._ended:
            return None
        self._ended = True
        self._worker.heartbeat(self.run_id, False)
        return self._put(("update", {"op": "update_run", "body": {"run_id": self.run_id, "status": status}}))

    def complete(self):
        """Marks the run Completed; returns a handle to wait() on."""
        return self._end("FINISHED")

    def fail(self):
        return self._end("FAILED")

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        handle = self.fail() if exc_type else self.complete()
        if handle is not None:
            try:
                handle.wait(timeout=float(_env("RUNHISTORY_FLUSH_TIMEOUT", "5")))
            except (TimeoutError, RunHistoryError):
                pass  # kept queued and spooled at exit; never raise out of the user's block
        return False

    def wait(self, timeout=60.0):
        """Blocks until everything logged so far is acknowledged."""
        seq = next(_seq) - 1
        return self._worker.wait(seq, timeout) if seq > 0 else True


def start_run(experiment=None, name=None, script_name=None):
    """Starts an interactive run (heartbeating while the process lives); end it with complete()."""
    worker = _get_worker()
    run_id = uuid.uuid4().hex
    body = {
        "run_id": run_id,
        "experiment_name": experiment or _env("RUNHISTORY_EXPERIMENT", "Default"),
        "run_name": name,
        "script_name": script_name or (os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else None),
        "arguments": sys.argv[1:],
        "start_time": int(time.time() * 1000),
    }
    seq = next(_seq)
    worker.put(seq, ("create", {"op": "create_run", "body": {k: v for k, v in body.items() if v is not None}}))
    run = Run(run_id, None, owned=True)
    worker.heartbeat(run_id, True)
    return run


def get_logger():
    """The logger of this process's run: the tracked run from the environment, or one created now
    and completed when the process exits."""
    global _default_run
    with _lock:
        run = _default_run
    if run is not None:
        return run
    run_id = _env("RUNHISTORY_RUN_ID")
    if run_id:
        run = Run(run_id, _env("RUNHISTORY_EXPERIMENT_ID"), owned=False)
    else:
        run = start_run()
    with _lock:
        if _default_run is None:
            _default_run = run
        return _default_run


def _shutdown():
    run = _default_run
    if run is not None and run._owned and not run._ended:
        run.complete()
    if _worker is not None:
        _worker.close()
