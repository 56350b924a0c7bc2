"""What every request that sends files gets: its temporary upload files removed whatever happens, and a
clear answer when the disk is full.

Django spools uploads larger than FILE_UPLOAD_MAX_MEMORY_SIZE to FILE_UPLOAD_TEMP_DIR. It removes them
when the request ends well, but a file being written when the parse fails (a full disk, a dropped
connection) is only removed once garbage-collected, which a traceback kept for the error report delays:
such files piled up in /tmp. Here every temporary file the upload handler opened is removed at the end
of the request, on success, refusal, exception and full disk.
"""

import contextlib
import os

from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from documents.storage import is_disk_full

STORAGE_FULL_STATUS = 507  # Insufficient Storage (RFC 4918 §11.5)


class TrackedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Django's handler, which also notes each file it opens on the request, for the middleware."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        _tracked(self.request).append(self.file)


def _tracked(request) -> list:
    if not hasattr(request, "_upload_temporary_files"):
        request._upload_temporary_files = []
    return request._upload_temporary_files


class UploadsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        finally:
            _remove_temporary_files(request)

    def process_view(self, request, view, view_args, view_kwargs):
        # The CSRF check reads a form's body before the view: a disk that fills while the upload is
        # spooled must be answered here, as the view would.
        if request.method == "POST" and request.content_type == "multipart/form-data" and not _is_api(request):
            try:
                request.POST  # noqa: B018 - parses the body, spooling its files
            except OSError as error:
                if is_disk_full(error):
                    return storage_full_response(request)
                raise
        return None

    def process_exception(self, request, exception):
        if is_disk_full(exception):
            return storage_full_response(request)
        return None


def storage_full_response(request):
    _remove_temporary_files(request)
    detail = _("The storage is full: nothing was saved. Please try again later.")
    if _is_api(request):
        return JsonResponse({"code": "storage_full", "detail": detail, "fields": {}}, status=STORAGE_FULL_STATUS)
    return render(request, "documents/storage_full.html", {"detail": detail}, status=STORAGE_FULL_STATUS)


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def _remove_temporary_files(request) -> None:
    for temporary in getattr(request, "_upload_temporary_files", []):
        path = getattr(temporary, "temporary_file_path", lambda: None)()
        with contextlib.suppress(OSError):
            temporary.close()  # a NamedTemporaryFile removes itself when closed…
        if path:
            with contextlib.suppress(FileNotFoundError, OSError):
                os.remove(path)  # …unless closing failed half-way
