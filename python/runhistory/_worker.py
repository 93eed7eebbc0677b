"""The background sender: batches queued values into bulk ingest requests, retries with backoff
while the server is away, and spools what it still cannot deliver when the process ends."""

import collections
import json
import os
import sys
import threading
import time
import uuid

from ._transport import ServerError, Transport, _clean

PREFIX = "/api/2.0/runhistory"
BATCH_WINDOW_S = 0.03
BATCH_ITEMS = 20000
HEARTBEAT_S = 10.0
# Values held in memory while the server is away; past this they are spilled to the spool folder
# (and sent from there once it is back), so a long outage costs disk, not memory.
MAX_PENDING_ITEMS = 200000


class Worker:
    """Owns the queue and the thread. `put` is all the training loop ever pays for."""

    def __init__(self, server, token, spool_dir, flush_timeout):
        self.transport = Transport(server, token)
        self.spool_dir = spool_dir
        self.flush_timeout = flush_timeout
        self.queue = collections.deque()
        self.acked = 0
        self.refused = {}  # seq -> reason, for values the server refused
        self.last_error = None
        self._reported = False
        self._cond = threading.Condition()
        self._wake = threading.Event()
        self._stop = False
        self._pending = collections.deque()  # (records, last_seq, seqs) not yet acknowledged
        self.pending_items = 0  # values in _pending
        self.max_pending = max(100, int(os.environ.get("RUNHISTORY_MAX_PENDING", MAX_PENDING_ITEMS)))
        self._spilled = collections.deque()  # (spool file, last_seq, seqs, items), oldest first
        # A queue this long wakes the sender at once instead of at the end of its batch window, so
        # a fast training loop is drained (and spilled) by volume, not only by the clock.
        self._nudge_at = max(50, min(BATCH_ITEMS, self.max_pending) // 2)
        self._spool_epoch = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + "%06d" % (time.time_ns() // 1000 % 1000000)
        self._spool_count = 0
        self._heartbeat_runs = {}
        self.thread = threading.Thread(target=self._loop, name="runhistory-logger", daemon=True)
        self.thread.start()

    # ---- called from the training loop ----

    def put(self, seq, record):
        queue = self.queue
        queue.append((seq, record))
        if len(queue) >= self._nudge_at:
            self._wake.set()

    def heartbeat(self, run_id, on):
        if on:
            self._heartbeat_runs[run_id] = 0.0
        else:
            self._heartbeat_runs.pop(run_id, None)

    def wait(self, seq, timeout):
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self.acked < seq and seq not in self.refused:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise TimeoutError("value not acknowledged within %ss: %s" % (timeout, self.last_error or "still queued"))
                self._wake.set()
                self._cond.wait(min(left, 0.05) if left is not None else 0.05)
            if seq in self.refused:
                from . import RunHistoryError
                raise RunHistoryError(self.refused[seq])
        return True

    def close(self):
        """Delivers what is queued within the flush timeout, then spools the rest."""
        self._stop = True
        self._wake.set()
        self.thread.join(self.flush_timeout + 2.0)

    # ---- the thread ----

    def _report(self, message):
        self.last_error = message
        if not self._reported:
            self._reported = True
            sys.stderr.write("runhistory: %s (values are kept and retried)\n" % message)

    def _take_batch(self):
        """Groups queued records into request bodies, keeping their order."""
        items = []
        limit = min(BATCH_ITEMS, self.max_pending)
        while self.queue and len(items) < limit:
            items.append(self.queue.popleft())
        if not items:
            return None
        self.pending_items += len(items)
        return _group(items) + (len(items),)

    def _send(self, records):
        for rec in records:
            op = rec["op"]
            if op == "ingest":
                self.transport.request("POST", PREFIX + "/runs/ingest", rec["body"])
            elif op == "create_run":
                self.transport.request("POST", PREFIX + "/runs/create", rec["body"])
            elif op == "update_run":
                self.transport.request("POST", PREFIX + "/runs/update", rec["body"])
            elif op == "upload":
                self.transport.request("PUT", rec["path"], rec["content"], "application/octet-stream")

    def _loop(self):
        backoff = 0.05
        retry_at = 0.0
        deadline = None
        while True:
            self._wake.wait(BATCH_WINDOW_S)
            self._wake.clear()
            while True:  # the whole queue, so that memory is bounded by the spill, not the producer
                batch = self._take_batch()
                if batch is None:
                    break
                self._pending.append(batch)
                if self.pending_items > self.max_pending:
                    self._spill()
            self._beat()
            while self._spilled and time.monotonic() >= retry_at:
                try:
                    self._send_spilled()
                except (OSError, ValueError, ServerError) as e:
                    self._report("history server unreachable at %s: %s" % (self.transport.base_url, e))
                    retry_at, backoff = time.monotonic() + backoff, min(backoff * 2, 5.0)
                    break
                backoff = 0.05
            while not self._spilled and self._pending and time.monotonic() >= retry_at:
                records, last_seq, seqs, n = self._pending[0]
                try:
                    self._send(records)
                except ServerError as e:
                    if e.permanent:
                        # Retrying cannot help: tell the waiters, keep going with the rest.
                        self._pending.popleft()
                        self.pending_items -= n
                        sys.stderr.write("runhistory: the server refused values: %s\n" % e)
                        with self._cond:
                            for s in seqs:
                                self.refused[s] = str(e)
                            self.acked = max(self.acked, last_seq)
                            self._cond.notify_all()
                        continue
                    self._report(str(e))
                    retry_at, backoff = time.monotonic() + backoff, min(backoff * 2, 5.0)
                    break
                except (OSError, ValueError) as e:
                    self._report("history server unreachable at %s: %s" % (self.transport.base_url, e))
                    retry_at, backoff = time.monotonic() + backoff, min(backoff * 2, 5.0)
                    break
                self._pending.popleft()
                self.pending_items -= n
                backoff = 0.05
                with self._cond:
                    self.acked = max(self.acked, last_seq)
                    self.last_error = None
                    self._cond.notify_all()
            if self._stop:
                if deadline is None:
                    deadline = time.monotonic() + self.flush_timeout
                if not self._pending and not self.queue and not self._spilled:
                    self.transport.close()
                    return
                if time.monotonic() >= deadline:
                    while self.queue:
                        self._pending.append(self._take_batch())
                    self._spool()
                    return
                time.sleep(0.01)

    def _beat(self):
        now = time.monotonic()
        for run_id, last in list(self._heartbeat_runs.items()):
            if now - last >= HEARTBEAT_S:
                self._heartbeat_runs[run_id] = now
                try:
                    self.transport.request("POST", PREFIX + "/runs/heartbeat", {"run_id": run_id, "interval_secs": HEARTBEAT_S})
                except (OSError, ValueError, ServerError):
                    pass  # a missed beat is harmless; the values are what matter

    def _spool(self):
        """At exit: everything still undelivered goes to the spool, which the server loads on its
        next start (files spilled earlier are there already)."""
        lines = []
        for records, _, _, _ in self._pending:
            for rec in records:
                if rec["op"] == "upload":
                    sys.stderr.write("runhistory: upload of %s could not be delivered\n" % rec["path"])
                    continue
                lines.append(_spool_line(rec))
        if not lines and not self._spilled:
            return
        try:
            if lines:
                self._write_spool_file(lines, durable=True)
            sys.stderr.write(
                "runhistory: server unreachable; undelivered records saved to %s; the server loads them on its next start\n"
                % self.spool_dir
            )
        except OSError as e:
            sys.stderr.write("runhistory: could not save undelivered values: %s\n" % e)

    def _write_spool_file(self, lines, durable):
        """`durable` syncs the file to disk: at exit, where it is the values' only copy. A spill
        during the run is not synced: it only moves values out of memory, where a crash would
        lose them just the same, and a sync there would let the queue grow while it waits."""
        os.makedirs(self.spool_dir, exist_ok=True)
        # The server replays files in name order: this process's start, then a counter, keeps a
        # run's creation ahead of its values.
        self._spool_count += 1
        name = "%s-%08d-%s" % (self._spool_epoch, self._spool_count, uuid.uuid4().hex[:8])
        tmp = os.path.join(self.spool_dir, name + ".tmp")
        with open(tmp, "w") as f:
            f.write("\n".join(lines) + "\n")
            if durable:
                f.flush()
                os.fsync(f.fileno())
        path = os.path.join(self.spool_dir, name + ".jsonl")
        os.replace(tmp, path)
        return path

    def _spill(self):
        """Moves the oldest pending batches, up to the first upload, from memory to a spool file.
        They leave memory only once the file is written: if it cannot be, they stay and are sent."""
        lines, seqs, items, last_seq, taken = [], [], 0, None, 0
        for records, last, batch_seqs, n in self._pending:
            if any(r["op"] == "upload" for r in records):
                break
            lines.extend(_spool_line(r) for r in records)
            seqs.extend(batch_seqs)
            items += n
            last_seq = last
            taken += 1
        if not lines:
            return
        try:
            path = self._write_spool_file(lines, durable=False)
        except OSError as e:
            self._report("could not spill undelivered values to %s: %s" % (self.spool_dir, e))
            return  # they stay in memory
        for _ in range(taken):
            self._pending.popleft()
        self.pending_items -= items
        self._spilled.append((path, last_seq, seqs, items))

    def _send_spilled(self):
        """Sends the oldest spill file, then removes it. The server may have loaded it already at
        its start (then it is gone); batch ids make sending it again harmless."""
        path, last_seq, seqs, _ = self._spilled[0]
        refused = None
        try:
            with open(path) as f:
                lines = [line for line in f if line.strip()]
        except FileNotFoundError:
            lines = []
        for line in lines:
            rec = json.loads(line)
            op = rec.pop("op")
            try:
                self._send([{"op": op, "body": rec}])
            except ServerError as e:
                if not e.permanent:
                    raise
                refused = str(e)
        try:
            os.remove(path)
        except FileNotFoundError:
            pass
        self._spilled.popleft()
        with self._cond:
            if refused:
                sys.stderr.write("runhistory: the server refused values: %s\n" % refused)
                for s in seqs:
                    self.refused[s] = refused
            self.acked = max(self.acked, last_seq)
            self.last_error = None
            self._cond.notify_all()


def _spool_line(rec):
    body = dict(rec["body"])
    body["op"] = rec["op"]
    return json.dumps(_clean(body))


def _group(items):
    """Turns queued (seq, record) pairs into ordered requests: consecutive logs of one run share
    one ingest body with a fresh batch id; other operations go as they are."""
    records = []
    seqs = []
    current = None
    for seq, rec in items:
        seqs.append(seq)
        if rec[0] != "log":
            current = None
            records.append(rec[1])
            continue
        _, run_id, kind, key, value, step, ts = rec
        if current is None or current["body"]["run_id"] != run_id:
            current = {"op": "ingest", "body": {"run_id": run_id, "batch_id": uuid.uuid4().hex}, "series": {}}
            records.append(current)
        body = current["body"]
        if kind == "point":
            chunk = current["series"].get((key, step is None))
            if chunk is None:
                chunk = {"key": key, "values": [], "timestamps": []}
                if step is not None:
                    chunk["steps"] = []
                current["series"][(key, step is None)] = chunk
                body.setdefault("series", []).append(chunk)
            chunk["values"].append(value)
            chunk["timestamps"].append(ts)
            if step is not None:
                chunk["steps"].append(step)
        elif kind == "list":
            body.setdefault("series", []).append({"key": key, "values": value})
        elif kind == "param":
            body.setdefault("params", []).append({"key": key, "value": value})
        elif kind == "tag":
            body.setdefault("tags", []).append({"key": key, "value": value})
        elif kind == "row":
            body.setdefault("table_rows", []).append({"key": key, "row": value})
        else:  # string, table, image
            body.setdefault("values", []).append({"key": key, "kind": kind, "value": value})
    for r in records:
        r.pop("series", None)
    return records, seqs[-1], seqs
