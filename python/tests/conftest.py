"""Starts the real `runhistory serve` binary on 127.0.0.1:0 over a temporary store: the store
folder's SQLite, and a PostgreSQL database of the test's own (the `server` fixture runs each test on
both). PostgreSQL is RUNHISTORY_TEST_POSTGRES, else the local server; where none answers its tests
are skipped, except under CI (CI=true), where they fail."""

import hashlib
import os
import random
import subprocess
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("RUNHISTORY_BIN", str(ROOT / "target" / "debug" / "runhistory"))
POSTGRES = os.environ.get("RUNHISTORY_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")


class ScratchDatabase:
    """A PostgreSQL database made for one test and dropped after it."""

    def __init__(self):
        import psycopg2

        self.name = "rh_pytest_%d_%d" % (os.getpid(), random.getrandbits(40))
        self._admin = psycopg2.connect(POSTGRES)
        self._admin.autocommit = True
        with self._admin.cursor() as c:
            c.execute("CREATE DATABASE " + self.name)
        self.url = POSTGRES.rsplit("/", 1)[0] + "/" + self.name

    def drop(self):
        with self._admin.cursor() as c:
            c.execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.name)
        self._admin.close()


def scratch_database():
    """A new database, or a skip (a failure under CI) when no PostgreSQL answers."""
    try:
        return ScratchDatabase()
    except Exception as e:  # psycopg2 missing, or no server: the same skip
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the PostgreSQL tests, and %s cannot be reached: %s" % (POSTGRES, e))
        pytest.skip("skipped: no PostgreSQL (%s)" % e)


class Server:
    def __init__(self, store, token=None, port=0, database=None, artifacts=None, env=None):
        self.store = store
        self.token = token
        self.port = port
        self.database = database
        self.artifacts = artifacts
        self.env = env or {}
        self.proc = None
        self.url = None

    def start(self):
        args = [BIN, "serve", "--port", str(self.port), "--store", str(self.store)]
        env = dict(os.environ)
        env.pop("RUNHISTORY_SERVER", None)
        env.pop("RUNHISTORY_DATABASE", None)
        env.pop("RUNHISTORY_ARTIFACTS", None)
        env.update(self.env)
        if self.database:
            args += ["--database", self.database]
        if self.artifacts:
            args += ["--artifacts", self.artifacts]
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


@pytest.fixture(params=["sqlite", "postgres"])
def database(request):
    """None (the store folder's SQLite) or the URL of a test database of PostgreSQL."""
    if request.param == "sqlite":
        yield None
        return
    db = scratch_database()
    yield db.url
    db.drop()


@pytest.fixture
def server(tmp_path, database):
    s = Server(tmp_path / "store", database=database).start()
    yield s
    s.stop()


def tree_digest(root):
    """Every file below `root`, its path and bytes: equal before and after only if nothing changed."""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in sorted(os.walk(root)):
        dirnames.sort()
        for f in sorted(filenames):
            p = os.path.join(dirpath, f)
            h.update(p.encode())
            with open(p, "rb") as fh:
                h.update(fh.read())
    return h.hexdigest()


def cli(*args):
    out = subprocess.run([BIN, *args], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout
