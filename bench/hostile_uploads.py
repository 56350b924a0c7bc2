"""Hostile uploads benchmark: what each file of the hostile corpus (tests/documents/hostile.py) costs.

For each case, in a fresh process standing for a web worker: the outcome of `check_upload` (what the web
form, the API and the printer all call), its wall time, the peak RSS of the web process (ru_maxrss, before
and after the check: the process holds the upload, as a worker does) and the peak RSS and CPU time of the
isolated check process. Also what starting the fork server costs (the first check of a process) and what
one more check costs once it runs. With --before, the 1 GB bomb is also opened with PDFium in the web process,
as intake did before the isolation, to show what that cost.

    .venv/bin/python bench/hostile_uploads.py [--case pdf_bomb_1GB] [--before]
"""

import argparse
import io
import json
import os
import resource
import subprocess  # nosec B404  # runs this script's own cases in a child
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="relyfe-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relyfe.settings")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(name: str) -> dict:
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from documents.isolation import ChildUsage
    from documents.uploads import UploadRefused, check_upload, refusal_status
    from tests.documents.hostile import corpus

    case = next(case for case in corpus() if case.name == name)
    small = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(small, "JPEG")
    started = time.perf_counter()
    check_upload(SimpleUploadedFile("warm.jpg", small.getvalue()))
    cold = time.perf_counter() - started
    started = time.perf_counter()
    check_upload(SimpleUploadedFile("warm.jpg", small.getvalue()))
    warm = time.perf_counter() - started
    web_before = peak_rss_mb()
    usage = ChildUsage()
    started = time.perf_counter()
    try:
        check_upload(SimpleUploadedFile(case.filename, case.content), usage=usage)
        outcome = "accepted, cleaned"
    except UploadRefused as refusal:
        outcome = f"{refusal_status(refusal)} {refusal.code}"
    return {
        "case": name,
        "bytes": len(case.content),
        "outcome": outcome,
        "seconds": time.perf_counter() - started,
        "web_peak_before_mb": web_before,
        "web_peak_after_mb": peak_rss_mb(),
        "check_peak_mb": usage.peak_rss_kilobytes / 1024,
        "check_cpu_seconds": usage.cpu_seconds,
        "first_check_seconds": cold,
        "next_check_seconds": warm,
    }


def measure_before() -> dict:
    """The bomb opened in the web process, page loaded, as intake did before (PDFium inflates the page)."""
    import pypdfium2 as pdfium

    from tests.documents.hostile import inflating_pdf

    content = inflating_pdf(1024 * 1024 * 1024)
    web_before = peak_rss_mb()
    started = time.perf_counter()
    cpu = time.process_time()
    document = pdfium.PdfDocument(content)
    document[0].close()
    document.close()
    return {
        "case": "pdf_bomb_1GB, in the web process (before)",
        "bytes": len(content),
        "outcome": "accepted",
        "seconds": time.perf_counter() - started,
        "web_peak_before_mb": web_before,
        "web_peak_after_mb": peak_rss_mb(),
        "check_peak_mb": 0.0,
        "check_cpu_seconds": time.process_time() - cpu,
        "first_check_seconds": 0.0,
        "next_check_seconds": 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--case", help="one case (default: all)")
    parser.add_argument("--before", action="store_true", help="also open the bomb in the web process")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        result = measure_before() if arguments.child == "before" else measure(arguments.child)
        print(json.dumps(result))
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.documents.hostile import corpus

    names = [arguments.case] if arguments.case else [case.name for case in corpus()]
    if arguments.before:
        names.append("before")
    header = (
        f"{'case':<44} {'bytes':>10} {'outcome':<26} {'time s':>7} {'web MB':>13} {'check MB':>8} {'check CPU s':>11}"
    )
    print(header)
    print("-" * len(header))
    overheads = []
    for name in names:
        run = subprocess.run(  # noqa: S603  # nosec B603  # this script, with a case name
            [sys.executable, __file__, "--child", name], capture_output=True, text=True, check=False, timeout=600
        )
        if run.returncode != 0:
            print(f"{name:<44} failed: {run.stderr.strip().splitlines()[-1:]}")
            continue
        row = json.loads(run.stdout.strip().splitlines()[-1])
        web = f"{row['web_peak_before_mb']:.0f} -> {row['web_peak_after_mb']:.0f}"
        print(
            f"{row['case']:<44} {row['bytes']:>10} {row['outcome']:<26} {row['seconds']:>7.2f} {web:>13} "
            f"{row['check_peak_mb']:>8.0f} {row['check_cpu_seconds']:>11.2f}"
        )
        if row["first_check_seconds"]:
            overheads.append((row["first_check_seconds"], row["next_check_seconds"]))
    if overheads:
        first = sorted(value for value, _next in overheads)[len(overheads) // 2]
        following = sorted(value for _first, value in overheads)[len(overheads) // 2]
        print(f"\nA small JPEG, median over the runs: first check of a process (starts the fork server) {first:.2f} s;")
        print(f"each further check (one fork, parse, pipe back) {following * 1000:.0f} ms.")


if __name__ == "__main__":
    main()
