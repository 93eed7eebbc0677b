"""Real object-storage servers for the tests, from the package registries: Azurite (the Azure
Storage emulator, from npm, installed by scripts/test under .test-tools) and moto's S3 server (from
PyPI). Each gives a fresh container or bucket, the environment a server needs to reach it (the
clouds' own variables), and a listing of the keys in it. Where a server cannot start, its tests are
skipped, except under CI (CI=true), where they fail."""

import base64
import hashlib
import hmac
import http.client
import os
import random
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import xml.etree.ElementTree as ET
from email.utils import formatdate

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AZURITE = os.environ.get("AZURITE_BIN", os.path.join(ROOT, ".test-tools", "node_modules", ".bin", "azurite-blob"))
# Azurite's well-known development account (public, the same in every emulator).
AZ_ACCOUNT = "devstoreaccount1"
AZ_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
AZ_VERSION = "2021-08-06"


def unavailable(why):
    import pytest  # only here: the fault run uses these servers without pytest

    if os.environ.get("CI") == "true":
        pytest.fail("CI must run the object-storage tests: " + why)
    pytest.skip(why)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, what):
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            unavailable("%s exited at start (%s)" % (what, proc.returncode))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    proc.kill()
    unavailable("%s did not listen within 60 s" % what)


class Azurite:
    """An Azurite blob service on a free port, keeping its data in `folder`."""

    def __init__(self, folder):
        if not os.path.exists(AZURITE):
            unavailable("no Azurite at %s (scripts/test installs it from npm)" % AZURITE)
        self.port = free_port()
        self.proc = subprocess.Popen(
            [AZURITE, "--blobHost", "127.0.0.1", "--blobPort", str(self.port), "--location", str(folder),
             "--silent", "--skipApiVersionCheck", "--loose"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port, self.proc, "Azurite")
        self.endpoint = "http://127.0.0.1:%d" % self.port

    def env(self):
        return {"AZURE_STORAGE_USE_EMULATOR": "true", "AZURITE_BLOB_STORAGE_URL": self.endpoint}

    def _request(self, method, path, query):
        """A request signed with the account's shared key, as the storage service wants it."""
        date = formatdate(usegmt=True)
        canonical_query = "".join("\n%s:%s" % (k, v) for k, v in sorted(query.items()))
        to_sign = (method + "\n" * 12 + "x-ms-date:%s\nx-ms-version:%s\n" % (date, AZ_VERSION)
                   + "/%s/%s%s%s" % (AZ_ACCOUNT, AZ_ACCOUNT, path, canonical_query))
        sig = base64.b64encode(hmac.new(base64.b64decode(AZ_KEY), to_sign.encode(), hashlib.sha256).digest()).decode()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request(method, "/%s%s?%s" % (AZ_ACCOUNT, path, urllib.parse.urlencode(query)), body=b"",
                     headers={"x-ms-date": date, "x-ms-version": AZ_VERSION, "Content-Length": "0",
                              "Authorization": "SharedKey %s:%s" % (AZ_ACCOUNT, sig)})
        resp = conn.getresponse()
        body = resp.read()
        assert resp.status < 300, (resp.status, body[:300])
        return body

    def make(self, name):
        self._request("PUT", "/" + name, {"restype": "container"})

    def keys(self, name):
        out, marker = [], None
        while True:
            query = {"restype": "container", "comp": "list"}
            if marker:
                query["marker"] = marker
            root = ET.fromstring(self._request("GET", "/" + name, query))
            out += [b.findtext("Name") for b in root.iter("Blob")]
            marker = root.findtext("NextMarker")
            if not marker:
                return sorted(out)

    def stop(self):
        self.proc.kill()
        self.proc.wait()


class MotoS3:
    """moto's S3 server on a free port."""

    def __init__(self):
        exe = os.path.join(os.path.dirname(sys.executable), "moto_server")
        exe = exe if os.path.exists(exe) else (shutil.which("moto_server") or exe)
        if not os.path.exists(exe):
            unavailable("no moto_server (scripts/test installs moto[server] from PyPI)")
        self.port = free_port()
        self.proc = subprocess.Popen([exe, "-H", "127.0.0.1", "-p", str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port, self.proc, "moto_server")
        self.endpoint = "http://127.0.0.1:%d" % self.port
        import boto3

        self.s3 = boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id="testing",
                               aws_secret_access_key="testing", region_name="us-east-1")

    def env(self):
        return {"AWS_ENDPOINT": self.endpoint, "AWS_ALLOW_HTTP": "true", "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1"}

    def make(self, name):
        self.s3.create_bucket(Bucket=name)

    def keys(self, name):
        out = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=name):
            out += [o["Key"] for o in page.get("Contents", [])]
        return sorted(out)

    def stop(self):
        self.proc.kill()
        self.proc.wait()


class Bucket:
    """A fresh container or bucket: `url` (with a prefix) for --artifacts, `env` for the server."""

    def __init__(self, service, scheme):
        self.service = service
        self.name = "rh%d" % random.getrandbits(40)
        service.make(self.name)
        self.scheme = scheme
        self.url = "%s://%s/team" % (scheme, self.name)
        self.env = service.env()

    def keys(self):
        """Every key in the bucket, the prefix included."""
        return self.service.keys(self.name)

    def missing_url(self):
        """A URL of a container or bucket that does not exist."""
        return "%s://nosuch%d/team" % (self.scheme, random.getrandbits(30))


def start_service(kind, folder):
    return Azurite(folder) if kind == "azure" else MotoS3()
