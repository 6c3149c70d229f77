"""`grader serve` as a process for the tests, and a small HTTP client to talk to it: paths
sent exactly as written (no `..` tidied away, as a browser or httpx would), cookies of its own,
redirects not followed.

Imported as a top-level module (pytest puts tests/web/ on sys.path: no __init__.py).
"""

from __future__ import annotations

import http.client
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

GRADER = str(Path(sys.executable).parent / "grader")


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str
    body: bytes = b""  # as sent (a zip, say)


@dataclass
class Client:
    """One browser: its own cookies; every request on a fresh connection, path sent verbatim."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None, host: str = ""
    ) -> Reply:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Host": host or f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";")[0]
        body = response.read()
        reply = Reply(
            response.status,
            {k.lower(): v for k, v in response.getheaders()},
            body.decode("utf-8", "replace"),
            body,
        )
        conn.close()
        return reply

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, str]) -> Reply:
        return self.request("POST", path, form)


@dataclass
class Server:
    process: subprocess.Popen[str]
    url: str  # as printed, token included when there is one
    output: list[str]

    @property
    def port(self) -> int:
        port = urlsplit(self.url).port
        assert port is not None
        return port

    def client(self) -> Client:
        return Client(self.port)


@contextmanager
def serving(*args: str) -> Iterator[Server]:
    """`grader serve ARGS --port 0`, until the URL it prints; stopped at the end."""
    process = subprocess.Popen(
        [GRADER, "serve", *args, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    ready = threading.Event()
    opened: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("Open http://127.0.0.1:"):
                opened.append(line.split()[1])
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        assert ready.wait(90), lines
        assert opened, f"grader serve did not start: {lines}"
        yield Server(process, opened[0], lines)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(15)
