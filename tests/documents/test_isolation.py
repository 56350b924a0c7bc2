"""The isolated child process: what it returns and raises comes back; a child past its limits, or one that
crashes, is a LimitExceeded and the calling process goes on."""

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import billiard
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from documents.isolation import ChildUsage, LimitExceeded, Limits, run_isolated
from documents.uploads import UploadRefused, check_upload, make_thumbnail

GENEROUS = Limits(cpu_seconds=10, memory_bytes=2 * 1024**3, wall_seconds=20)


def add(left, right):
    return left + right


def refuse():
    raise UploadRefused("no", code="nope")


def sleep_long():
    time.sleep(60)


def spin():
    while True:
        pass


def allocate(size):
    return len(bytearray(size))


def crash():
    os.kill(os.getpid(), signal.SIGSEGV)


def test_the_result_and_the_cost_come_back():
    usage = ChildUsage()

    assert run_isolated(add, 2, 3, limits=GENEROUS, usage=usage) == 5
    assert usage.peak_rss_kilobytes > 0


def test_an_exception_of_the_child_is_raised_in_the_caller():
    with pytest.raises(UploadRefused) as refused:
        run_isolated(refuse, limits=GENEROUS)

    assert refused.value.code == "nope"


def test_a_child_past_its_wall_time_is_killed():
    started = time.monotonic()

    with pytest.raises(LimitExceeded) as exceeded:
        run_isolated(sleep_long, limits=Limits(cpu_seconds=10, memory_bytes=2 * 1024**3, wall_seconds=1))

    assert exceeded.value.reason == "time"
    assert time.monotonic() - started < 10


def test_a_child_past_its_cpu_time_is_stopped_by_the_kernel():
    with pytest.raises(LimitExceeded):
        run_isolated(spin, limits=Limits(cpu_seconds=1, memory_bytes=2 * 1024**3, wall_seconds=30))


def test_a_child_past_its_memory_is_stopped():
    with pytest.raises(LimitExceeded) as exceeded:
        run_isolated(allocate, 3 * 1024**3, limits=GENEROUS)

    assert exceeded.value.reason == "memory"


def test_a_child_that_crashes_does_not_take_the_caller_with_it():
    with pytest.raises(LimitExceeded):
        run_isolated(crash, limits=GENEROUS)

    assert run_isolated(add, 1, 1, limits=GENEROUS) == 2


def test_a_file_left_when_the_request_has_used_its_time_is_a_refusal_the_user_can_read():
    with pytest.raises(UploadRefused) as refused:
        check_upload(SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n"), deadline=time.monotonic() - 1)

    assert refused.value.code == "too_costly"


def thumbnail_size() -> int:
    output = io.BytesIO()
    Image.new("RGB", (800, 600), "red").save(output, "JPEG")
    return len(make_thumbnail(output.getvalue(), "image/jpeg"))


def test_a_celery_prefork_worker_process_can_run_a_check():
    # Celery's pool processes are daemonic, which multiprocessing forbids to start children.
    with billiard.Pool(1) as pool:
        assert pool.apply(thumbnail_size) > 0


CALLER_SCRIPT = """
import os, sys
from pathlib import Path

sys.path.insert(0, {root!r})
with open({log!r}, "a") as log:
    log.write(f"{{os.getpid()}}\\n")

from documents.isolation import Limits, run_isolated

if __name__ == "__main__":
    limits = Limits(cpu_seconds=10, memory_bytes=2 * 1024**3, wall_seconds=20)
    children = {{run_isolated(os.getpid, limits=limits) for _call in range(3)}}
    print(len(children - {{os.getpid()}}))
"""


def test_a_child_does_not_run_the_callers_script_again(tmp_path):
    # multiprocessing runs a script's top level again in each child unless told not to: for a script that
    # sets Django up, seconds of every check's time and CPU limits (bench/isolation.py).
    root = str(Path(__file__).resolve().parents[2])
    log, script = tmp_path / "top-level-runs.txt", tmp_path / "caller.py"
    script.write_text(CALLER_SCRIPT.format(root=root, log=str(log)))

    finished = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=True)

    assert finished.stdout.strip() == "3"  # three children, each its own process
    assert len(log.read_text().splitlines()) == 1  # the caller's own run only
