"""Files on the local disk, never half-written: a write that fails (a full disk) leaves no partial file."""

import contextlib
import errno
import os

from django.core.files import storage

# Errors that say the disk (or the user's quota) is full.
DISK_FULL_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def is_disk_full(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.errno in DISK_FULL_ERRORS


class FileSystemStorage(storage.FileSystemStorage):
    def _save(self, name, content):
        try:
            return super()._save(name, content)
        except OSError as error:
            if is_disk_full(error):
                # Django created the file (O_EXCL: it was not there before) and wrote part of it. Keys are
                # server-made UUID paths, so the name Django retried with is the one it was given.
                with contextlib.suppress(FileNotFoundError):
                    os.remove(self.path(name))
            raise
