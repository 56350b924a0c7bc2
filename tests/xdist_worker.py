"""A pytest plugin loaded before Django's settings (`-p tests.xdist_worker` in pyproject.toml's addopts).

Under pytest-xdist each worker gets a VAR_DIR of its own, so its own media files, broker folder and cache: the
record tests look at and remove what is under MEDIA_ROOT, and the Celery worker a test starts (which inherits
this environment) must take the tasks of its own pytest worker only. The settings read VAR_DIR at import,
hence a plugin rather than a fixture.
"""

import os
from pathlib import Path

worker = os.environ.get("PYTEST_XDIST_WORKER")
if worker:
    var_dir = Path(os.environ.get("VAR_DIR") or Path(__file__).resolve().parents[1] / "var")
    os.environ["VAR_DIR"] = str(var_dir / worker)
