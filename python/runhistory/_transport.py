"""HTTP to the history server over one kept-alive connection, with the server's JSON errors."""

import http.client
import json
import urllib.parse


class ServerError(Exception):
    """The server answered with an error; `permanent` when retrying cannot help (a 4xx)."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.permanent = 400 <= status < 500 and status not in (408, 429)


class Transport:
    def __init__(self, base_url, token=None, timeout=30.0):
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("RUNHISTORY_SERVER must be an http:// or https:// URL, got %r" % base_url)
        self.base_url = base_url.rstrip("/")
        self._scheme = parts.scheme
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")
        self._timeout = timeout
        self._token = token
        self._conn = None

    def _connection(self):
        if self._conn is None:
            cls = http.client.HTTPSConnection if self._scheme == "https" else http.client.HTTPConnection
            self._conn = cls(self._host, self._port, timeout=self._timeout)
        return self._conn

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(self, method, path, body=None, content_type="application/json"):
        """Sends one request; returns the decoded JSON (or raw bytes for non-JSON answers)."""
        headers = {}
        if body is not None and not isinstance(body, (bytes, bytearray)):
            body = _dumps(body)
        if body is not None:
            headers["Content-Type"] = content_type
        if self._token:
            headers["Authorization"] = "Bearer " + self._token
        try:
            conn = self._connection()
            conn.request(method, self._prefix + path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if resp.status >= 400:
            try:
                message = json.loads(data.decode()).get("message", "")
            except ValueError:
                message = data[:300].decode(errors="replace")
            raise ServerError(resp.status, "%s %s: %s" % (resp.status, path.split("?")[0], message))
        if resp.getheader("Content-Type", "").startswith("application/json"):
            return json.loads(data.decode()) if data else {}
        return data


def _number(v):
    """MLflow's wire form of a float: NaN and infinities as strings."""
    if v != v:
        return "NaN"
    if v in (float("inf"), float("-inf")):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def _clean(o):
    if isinstance(o, float):
        return _number(o)
    if isinstance(o, dict):
        return {k: _clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_clean(v) for v in o]
    return o


def _dumps(body):
    return json.dumps(_clean(body), separators=(",", ":")).encode()
