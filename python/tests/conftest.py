"""Starts the real `runhistory serve` binary on 127.0.0.1:0 over a temporary store."""

import os
import subprocess
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("RUNHISTORY_BIN", str(ROOT / "target" / "debug" / "runhistory"))


class Server:
    def __init__(self, store, token=None, port=0):
        self.store = store
        self.token = token
        self.port = port
        self.proc = None
        self.url = None

    def start(self):
        args = [BIN, "serve", "--port", str(self.port), "--store", str(self.store)]
        env = dict(os.environ)
        env.pop("RUNHISTORY_SERVER", None)
        if self.token:
            args += ["--token", self.token]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, env=env)
        line = self.proc.stdout.readline()
        assert line.startswith("Listening on http://"), line
        self.url = line.split()[-1]
        return self

    def stop(self):
        if self.proc:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


@pytest.fixture
def server(tmp_path):
    s = Server(tmp_path / "store").start()
    yield s
    s.stop()


def cli(*args):
    out = subprocess.run([BIN, *args], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout
