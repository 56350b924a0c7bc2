"""Isolated upload checks benchmark: the latency of one check in its forked, limited child process.

Checks a 640x480 JPEG (the photos of bench/portability.py) N times one after the other, then N times from
`--threads` threads at once (as a web server's threads would), and prints each series' latency percentiles,
its total, and how many checks were refused for time or memory (a stalled child is a refusal after
UPLOAD_CHECK_WALL_SECONDS). `--work nothing` isolates a function that does nothing: the cost of the
isolation alone.

This script sets Django up at its top level, as bench/portability.py and many scripts do: that is what a
child must not run again for every check (see documents/isolation.py).

    .venv/bin/python bench/isolation.py [--calls 50] [--threads 4] [--work check|nothing]
"""

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="relyfe-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relyfe.settings")

import django

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from documents.isolation import LimitExceeded, Limits, run_isolated
from documents.uploads import UploadRefused, check_upload


def photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (40, 120, 200)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def one_call(work: str, content: bytes) -> tuple[float, bool]:
    """The seconds one isolated call took, and whether it was refused."""
    start = time.perf_counter()
    refused = False
    try:
        if work == "nothing":
            run_isolated(os.getpid, limits=Limits(cpu_seconds=30, memory_bytes=1536 * 1024**2, wall_seconds=30))
        else:
            check_upload(SimpleUploadedFile("photo.jpg", content))
    except (LimitExceeded, UploadRefused):
        refused = True
    return time.perf_counter() - start, refused


def report(title: str, results: list[tuple[float, bool]], total: float) -> None:
    latencies = sorted(seconds * 1000 for seconds, _refused in results)
    centiles = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else latencies * 99
    refused = sum(1 for _seconds, was_refused in results if was_refused)
    print(
        f"{title:<22} n={len(latencies):<4} p50 {centiles[49]:8.1f} ms  p90 {centiles[89]:8.1f} ms  "
        f"p99 {centiles[98]:8.1f} ms  max {latencies[-1]:8.1f} ms  total {total:7.2f} s  refused {refused}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--work", choices=["check", "nothing"], default="check")
    arguments = parser.parse_args()
    content = photo()
    one_call(arguments.work, content)  # starts the fork server

    start = time.perf_counter()
    sequential = [one_call(arguments.work, content) for _number in range(arguments.calls)]
    report("sequential", sequential, time.perf_counter() - start)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=arguments.threads) as pool:
        concurrent = list(pool.map(lambda _number: one_call(arguments.work, content), range(arguments.calls)))
    report(f"concurrent ({arguments.threads} threads)", concurrent, time.perf_counter() - start)
    print(f"work: {arguments.work}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
