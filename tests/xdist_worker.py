"""A pytest plugin loaded before Django's settings (`-p tests.xdist_worker` in pyproject.toml's addopts).

Under pytest-xdist each worker gets a VAR_DIR of its own, so its own media files, broker folder and cache: the
record tests look at and remove what is under MEDIA_ROOT, and the Celery worker a test starts (which inherits
this environment) must take the tasks of its own pytest worker only. The settings read VAR_DIR at import,
hence a plugin rather than a fixture. With Redis (REDIS_URL), each worker gets a database number of its own
for the same reasons (broker queues and cache): gw0 the URL's number + 1, gw1 + 2, and so on.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

worker = os.environ.get("PYTEST_XDIST_WORKER")
if worker:
    var_dir = Path(os.environ.get("VAR_DIR") or Path(__file__).resolve().parents[1] / "var")
    os.environ["VAR_DIR"] = str(var_dir / worker)
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        parts = urlsplit(redis_url)
        base = int(parts.path.strip("/") or 0)
        number = base + 1 + int(worker.removeprefix("gw"))
        if number > 15:
            raise RuntimeError(f"Redis has databases 0 to 15: {worker} would need database {number}.")
        os.environ["REDIS_URL"] = urlunsplit(parts._replace(path=f"/{number}"))
