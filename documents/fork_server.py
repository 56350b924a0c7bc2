"""Imported by the fork server of the isolated checks (the first of documents.isolation.PRELOADED_MODULES),
before it forks any child; nothing else imports it.

multiprocessing prepares each child by running the parent's main module again when it is a script or a
`-m` module (`__mp_main__`), so that functions defined there can be unpickled. A check runs a module-level
function of an importable module, never one of the main script, so a child has no use for that, and it
costs each child whatever the script does at its top level: a script that sets Django up (bench/*.py, a
management script) spent about two seconds of each child's CPU and wall time on it, counted against the
check's limits, before the check began — under load, tens of seconds and refusals for "time". Running code
the check did not ask for in the child is also more than isolation should allow.

The fork server's own "__main__" preload, which would run the script once in the server instead, never
gets the script's path on Python 3.11 (the server is given `sys_path` only), so it cannot help here.
"""

from multiprocessing import spawn


def _keep_the_servers_main(_main: str) -> None:
    """The children of this server start with the server's own (empty) main module."""


spawn._fixup_main_from_path = _keep_the_servers_main  # type: ignore[attr-defined]
spawn._fixup_main_from_name = _keep_the_servers_main  # type: ignore[attr-defined]
