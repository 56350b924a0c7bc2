"""The image's health checks (compose.yaml), in Python: the image has no HTTP client program.

- `web`: GET /healthz on this container. Healthy when the database and the broker are up; the `worker` part
  is the worker containers' own check, so that a web server is not restarted for a worker's fault.
- `worker`: this worker answers `celery inspect ping`, AND some worker executed a task within
  WORKER_STALE_SECONDS (`manage.py worker_alive`): a jammed prefork pool still answers ping and executes
  nothing (README, "Production").
- `beat`: beat's schedule file was written within BEAT_STALE_SECONDS (beat saves it every 3 minutes while it
  sends the every-minute tasks).
"""

import http.client
import json
import os
import socket
import subprocess  # nosec B404  # runs celery and manage.py, fixed commands
import sys
import time
from pathlib import Path


def web() -> int:
    host = (os.environ.get("ALLOWED_HOSTS") or "localhost").split(",")[0].strip().lstrip(".") or "localhost"
    port = int(os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").rpartition(":")[2])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/healthz", headers={"Host": host})
        response = connection.getresponse()
        body = json.loads(response.read() or b"{}")
    except (OSError, ValueError) as error:
        print(f"/healthz did not answer: {error}")
        return 1
    finally:
        connection.close()
    print(json.dumps(body))
    return 0 if body.get("database") == "up" and body.get("broker") == "up" else 1


def worker() -> int:
    node = f"worker@{os.environ.get('HOSTNAME') or socket.gethostname()}"
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "relyfe",
        "inspect",
        "ping",
        "--destination",
        node,
        "--timeout",
        "10",
    ]
    ping = subprocess.run(command, check=False)  # noqa: S603  # nosec B603  # a fixed command
    if ping.returncode != 0:
        return 1
    alive = subprocess.run([sys.executable, "manage.py", "worker_alive"], check=False)  # nosec B603  # fixed
    return alive.returncode


def beat() -> int:
    var = Path(os.environ.get("VAR_DIR", "/var/lib/relyfe"))
    limit = int(os.environ.get("BEAT_STALE_SECONDS", "600"))
    written = [path.stat().st_mtime for path in var.glob("celerybeat-schedule*")]
    if not written:
        # Just started: beat writes the file on its first tick.
        return 0 if time.time() - Path("/proc/1").stat().st_mtime < limit else 1
    return 0 if time.time() - max(written) < limit else 1


if __name__ == "__main__":
    sys.exit({"web": web, "worker": worker, "beat": beat}[sys.argv[1]]())
