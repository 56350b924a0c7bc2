"""Streams stored files to those the selectors let through; nothing is ever served from a public URL."""

from django.http import FileResponse, HttpResponseRedirect
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header

# A presigned S3 link is a bearer token: it lives one minute at most.
PRESIGNED_URL_SECONDS = 60


def _private(response):
    add_never_cache_headers(response)  # includes no-store: health data stays out of every cache
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _sandboxed(response, *, inline: bool):
    """A stored file is someone's upload: were it HTML or a PDF with scripts in disguise, a browser that
    renders it runs nothing and reaches nothing of the site (a sandbox is a unique origin without
    scripts, forms or plugins' scripting). Only the page that shows a file inline may frame it. The site's
    CSP middleware leaves a response that already has the header as it is.

    PDFs keep the sandbox too: Chromium refuses its PDF viewer in a frame its parent sandboxes
    (<iframe sandbox>), not in a document whose own response does (tests/browser/test_pdf_preview_in_browser.py)."""
    framed_by = "'self'" if inline else "'none'"
    response["Content-Security-Policy"] = (
        f"sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; frame-ancestors {framed_by}"
    )
    return response


def stored_file_response(field_file, *, filename: str, content_type: str, inline: bool):
    # The name is the uploader's (quotes, slashes, RTL overrides…): content_disposition_header encodes it
    # (RFC 6266 filename*), never pastes it raw.
    disposition = content_disposition_header(not inline, filename)
    storage = field_file.storage
    if hasattr(storage, "bucket_name"):  # S3: the browser fetches from the bucket with a short-lived link
        url = storage.url(
            field_file.name,
            parameters={"ResponseContentDisposition": disposition, "ResponseContentType": content_type},
            expire=PRESIGNED_URL_SECONDS,
        )
        return _private(HttpResponseRedirect(url))
    response = FileResponse(field_file.open("rb"), content_type=content_type)
    response["Content-Disposition"] = disposition
    return _sandboxed(_private(response), inline=inline)
