"""gunicorn's settings for relyfe-web.service and the image's web service (`gunicorn -c deploy/gunicorn.conf.py
relyfe.wsgi`). Each can be changed through the environment (GUNICORN_*), read here without Django.

The access log is on, in the combined format, through relyfe.redaction.GunicornLogger: the tokens of share
links, Heart-Codes and the other secret URLs show as [redacted] in the request line and the Referer. With
LOG_FORMAT=json, Django writes each request's line itself (relyfe/logs.py, with its request id), so gunicorn's
own is off.

Workers are sync processes: a request holds its process until it is answered, and `timeout` is the longest a
request may take before its process is killed. The longest legitimate ones are uploads: the body (up to
UPLOAD_MAX_FILES files of UPLOAD_MAX_MB), then the checks of every file, bounded by
UPLOAD_CHECK_REQUEST_SECONDS. The timeout is that bound plus GUNICORN_UPLOAD_TRANSFER_SECONDS for the body
(the TLS proxy receives it from the client first: compose's Caddy reads it at the client's pace, gunicorn
from the proxy at the network's). Print jobs come to the IPP endpoint as chunked bodies without a
Content-Length: gunicorn decodes them and sets wsgi.input_terminated, which printing/ipp_view.py reads.
"""

import os
import shutil
from pathlib import Path


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# The same defaults as relyfe/settings.py's (tests/relyfe/test_gunicorn.py holds them equal).
UPLOAD_CHECK_REQUEST_SECONDS = _int("UPLOAD_CHECK_REQUEST_SECONDS", 45)
UPLOAD_TRANSFER_SECONDS = _int("GUNICORN_UPLOAD_TRANSFER_SECONDS", 60)
UPLOAD_TIME_BUDGET = UPLOAD_CHECK_REQUEST_SECONDS + UPLOAD_TRANSFER_SECONDS

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Two per core and one (the usual rule for sync workers), at most GUNICORN_MAX_WORKERS: each process loads
# the face and OCR models on first use, a few hundred MB.
workers = _int("GUNICORN_WORKERS", min(2 * _cpu_count() + 1, _int("GUNICORN_MAX_WORKERS", 8)))
worker_class = "sync"
timeout = _int("GUNICORN_TIMEOUT", UPLOAD_TIME_BUDGET + 15)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# A process is replaced after this many requests (give or take the jitter, so that not all at once): what a
# model or a leak grew is given back.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
# Behind the TLS proxy: X-Forwarded-Proto is trusted from these addresses only (Django reads it through
# SECURE_PROXY_SSL_HEADER when BEHIND_TLS_PROXY is set).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# The temporary files of a worker's heartbeat in memory: the image's root file system is read-only.
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or None
logger_class = "relyfe.redaction.GunicornLogger"
# gunicorn's control socket (for `gunicornc`) has one path per user by default ($XDG_RUNTIME_DIR/gunicorn.ctl or
# ~/.gunicorn/gunicorn.ctl): a second master on the host (a second instance, a deploy starting the new one
# beside the old) takes it from the first, and whichever stops first removes it for both. Nothing of ours uses it
# (systemd reloads with HUP, stops with TERM), and the image's home is read-only: off, unless
# GUNICORN_CONTROL_SOCKET gives this master a path of its own.
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if not control_socket_disable:
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
accesslog = None if os.environ.get("LOG_FORMAT") == "json" else "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)s'
errorlog = "-"


def on_starting(server):
    """Prometheus's multiprocess folder starts empty: what dead processes of a former run wrote would count."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        path = Path(folder)
        if path.is_dir():
            for entry in path.iterdir():
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        path.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
