"""What the HTTP benchmarks share: a `revledger serve` subprocess and concurrent imports.

Imported by bench/metrics.py and bench/recognition.py, which run as scripts (this
folder is then first on sys.path).
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import orjson

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def request(
    port: int, method: str, path: str, key: str, body: bytes | None = None
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=900)
    try:
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class Server:
    def __init__(self, url: str, workers: int, log: Path) -> None:
        self.port = free_port()
        env = {**os.environ, "REVLEDGER_DATABASE_URL": url, "REVLEDGER_LOG_LEVEL": "WARNING"}
        exe = Path(sys.executable).with_name("revledger")
        self._log = log.open("wb")
        self.proc = subprocess.Popen(
            [
                str(exe),
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
                "--no-metrics-worker",
            ],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.log = log

    def wait_ready(self, key: str) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(self.log.read_text())
            try:
                if request(self.port, "GET", "/api/v1/ping", key)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("server not ready")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()


def post_all(
    port: int,
    key: str,
    path: str,
    bodies: list[bytes],
    clients: int,
    accepted: tuple[str, ...] = ("inserted", "updated", "unchanged"),
) -> float:
    """POST every body, in order, with `clients` concurrent connections (seed-003 imports:
    every item's `import_status` must be one of `accepted`); seconds taken."""
    queue = list(reversed(bodies))
    lock = threading.Lock()
    errors: list[str] = []

    def run() -> None:
        while True:
            with lock:
                if not queue or errors:
                    return
                body = queue.pop()
            status, out = request(port, "POST", path, key, body)
            result = orjson.loads(out).get("result") if status == 200 else None
            if status != 200 or any(r["import_status"] not in accepted for r in result or []):
                with lock:
                    errors.append(f"{status} {out[:500]!r}")

    t0 = time.perf_counter()
    threads = [threading.Thread(target=run) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"import failed: {errors[0]}")
    return time.perf_counter() - t0


def chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
