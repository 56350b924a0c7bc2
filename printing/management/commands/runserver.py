"""`runserver` that reads chunked request bodies, so that a computer can print to the development server.

IPP clients (CUPS, Windows, macOS) send documents with `Transfer-Encoding: chunked` and no
Content-Length. Django's development server reads no body without a Content-Length, and the printed
document would arrive empty. This server decodes the chunks as the application reads them and says so
with `wsgi.input_terminated`, as gunicorn does: the IPP view reads the body from `wsgi.input`, at most the
largest document plus one byte, and answers a larger one with the IPP status
client-error-request-entity-too-large rather than a dropped connection. What the application left unread
is read and thrown away after the answer (up to a bound), so that the client, still sending, gets to
read it. Everything else is whitenoise's and Django's runserver.
"""

import re
from wsgiref import simple_server

from django.conf import settings
from django.core.servers.basehttp import ServerHandler, WSGIRequestHandler, WSGIServer
from whitenoise.runserver_nostatic.management.commands.runserver import Command as RunserverCommand


class BadChunkedBody(Exception):
    """Not chunked as HTTP says."""


# chunk-size [ chunk-ext ] CRLF (RFC 9112 §7.1): hexadecimal digits only, so no sign, prefix or underscore.
CHUNK_SIZE_LINE = re.compile(rb"([0-9A-Fa-f]{1,16})(;[^\r\n]*)?\r?\n")
# Unread bytes thrown away after an answer, before the connection is closed instead.
DRAIN_FACTOR = 4


class ChunkedBody:
    """The decoded body of a chunked request (RFC 9112 §7.1), decoded as it is read; trailers skipped."""

    def __init__(self, stream):
        self._stream = stream
        self._left_in_chunk = 0
        self.finished = False

    def read(self, size: int = -1, /) -> bytes:
        data = bytearray()
        while not self.finished and (size < 0 or len(data) < size):
            if self._left_in_chunk == 0:
                self._start_chunk()
                continue
            wanted = self._left_in_chunk if size < 0 else min(self._left_in_chunk, size - len(data))
            chunk = self._stream.read(wanted)
            if not chunk:
                raise BadChunkedBody
            data += chunk
            self._left_in_chunk -= len(chunk)
            if self._left_in_chunk == 0 and self._stream.readline(3) not in (b"\r\n", b"\n"):
                raise BadChunkedBody
        return bytes(data)

    def readline(self, size: int = -1, /) -> bytes:
        line = bytearray()
        while (size < 0 or len(line) < size) and not line.endswith(b"\n"):
            byte = self.read(1)
            if not byte:
                break
            line += byte
        return bytes(line)

    def drain(self, limit: int) -> bool:
        """Reads and throws away the rest, up to `limit` bytes; whether the body ended."""
        try:
            while not self.finished and limit > 0:
                limit -= len(self.read(min(limit, 65536)))
        except (BadChunkedBody, OSError):
            return False
        return self.finished

    def _start_chunk(self) -> None:
        match = CHUNK_SIZE_LINE.fullmatch(self._stream.readline(1026))
        if match is None:
            raise BadChunkedBody
        self._left_in_chunk = int(match[1], 16)
        if self._left_in_chunk == 0:
            while self._stream.readline(1026) not in (b"\r\n", b"\n", b""):
                pass
            self.finished = True


class ChunkedServerHandler(ServerHandler):
    def __init__(self, stdin, stdout, stderr, environ, **kwargs):
        if isinstance(stdin, ChunkedBody):
            # Django's handler would read at most Content-Length bytes: none.
            simple_server.ServerHandler.__init__(self, stdin, stdout, stderr, environ, **kwargs)
        else:
            super().__init__(stdin, stdout, stderr, environ, **kwargs)


class ChunkedRequestHandler(WSGIRequestHandler):
    chunked_body: ChunkedBody | None = None

    def parse_request(self):
        self.chunked_body = None
        if not super().parse_request():
            return False
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.chunked_body = ChunkedBody(self.rfile)
            # A Content-Length sent with chunks is wrong (RFC 9112 §6.3).
            del self.headers["Content-Length"]
        return True

    def get_environ(self):
        environ = super().get_environ()
        if self.chunked_body is not None:
            environ["wsgi.input_terminated"] = True
        return environ

    def handle_one_request(self):
        """Django's, with the chunked body as the application's input."""
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.requestline = self.request_version = self.command = ""
            self.send_error(414)
            return
        if not self.parse_request():
            return
        body = self.chunked_body
        handler = ChunkedServerHandler(body or self.rfile, self.wfile, self.get_stderr(), self.get_environ())
        handler.request_handler = self
        try:
            handler.run(self.server.get_app())
        finally:
            if body is not None and not body.drain(DRAIN_FACTOR * settings.UPLOAD_MAX_BYTES):
                self.close_connection = True


class ChunkedWSGIServer(WSGIServer):
    def __init__(self, server_address, handler_class, *args, **kwargs):
        super().__init__(server_address, ChunkedRequestHandler, *args, **kwargs)


class Command(RunserverCommand):
    server_cls = ChunkedWSGIServer
