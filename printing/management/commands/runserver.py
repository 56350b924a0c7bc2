"""`runserver` that reads chunked request bodies, so that a computer can print to the development server.

IPP clients (CUPS, Windows, macOS) send documents with `Transfer-Encoding: chunked` and no
Content-Length. Production servers (gunicorn, nginx) decode that; Django's development server reads no
body without a Content-Length, and the printed document would arrive empty. This server decodes the
chunks before Django sees the request. Everything else is whitenoise's and Django's runserver.
"""

import io
import re

from django.conf import settings
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
from whitenoise.runserver_nostatic.management.commands.runserver import Command as RunserverCommand


class BadChunkedBody(Exception):
    """Not chunked as HTTP says."""


class ChunkedBodyTooLarge(BadChunkedBody):
    """More than the largest upload."""


# chunk-size [ chunk-ext ] CRLF (RFC 9112 §7.1): hexadecimal digits only, so no sign, prefix or underscore.
CHUNK_SIZE_LINE = re.compile(rb"([0-9A-Fa-f]{1,16})(;[^\r\n]*)?\r?\n")


def dechunked(stream, limit: int) -> bytes:
    """The body of a chunked request (RFC 9112 §7.1), trailers skipped; more than `limit` bytes is refused."""
    body = bytearray()
    while True:
        match = CHUNK_SIZE_LINE.fullmatch(stream.readline(1026))
        if match is None:
            raise BadChunkedBody
        size = int(match[1], 16)
        if size == 0:
            break
        if len(body) + size > limit:
            raise ChunkedBodyTooLarge
        chunk = stream.read(size)
        if len(chunk) != size or stream.readline(3) not in (b"\r\n", b"\n"):
            raise BadChunkedBody
        body += chunk
    while stream.readline(1026) not in (b"\r\n", b"\n", b""):
        pass
    return bytes(body)


class ChunkedRequestHandler(WSGIRequestHandler):
    def parse_request(self):
        if not super().parse_request():
            return False
        if "chunked" not in self.headers.get("Transfer-Encoding", "").lower():
            return True
        try:
            body = dechunked(self.rfile, settings.UPLOAD_MAX_BYTES + 1024 * 1024)
        except ChunkedBodyTooLarge:
            self.send_error(413)
            return False
        except BadChunkedBody:
            self.send_error(400, "Bad chunked body")
            return False
        # Django reads the decoded body; the connection's stream is put back after the request.
        self.rfile = io.BytesIO(body)
        # A Content-Length sent with chunks is wrong (RFC 9112 §6.3); setting a header adds one, so both go.
        del self.headers["Transfer-Encoding"]
        del self.headers["Content-Length"]
        self.headers["Content-Length"] = str(len(body))
        return True

    def handle_one_request(self):
        connection_stream = self.rfile
        try:
            super().handle_one_request()
        finally:
            self.rfile = connection_stream


class ChunkedWSGIServer(WSGIServer):
    def __init__(self, server_address, handler_class, *args, **kwargs):
        super().__init__(server_address, ChunkedRequestHandler, *args, **kwargs)


class Command(RunserverCommand):
    server_cls = ChunkedWSGIServer
