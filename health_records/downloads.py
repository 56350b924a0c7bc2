"""Streams stored files to those the selectors let through; nothing is ever served from a public URL."""

from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
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


def shown_file_response(shown, *, inline: bool, thumbnail: bool = False):
    """The response for a file as `shown` (selectors.record_file_shown_to_user) says it is to be given:
    the original (or its thumbnail), the copy with the faces blurred, or a placeholder while that copy is
    being made or when it could not be: never the original to someone who is to see it blurred."""
    from health_records import masking
    from health_records.selectors import PhotoVersion

    record_file = shown.record_file
    if shown.version == PhotoVersion.ORIGINAL:
        if thumbnail:
            if not record_file.thumbnail:
                raise Http404
            return stored_file_response(
                record_file.thumbnail, filename="thumbnail.jpg", content_type="image/jpeg", inline=True
            )
        return stored_file_response(
            record_file.file, filename=record_file.original_name, content_type=record_file.content_type, inline=inline
        )
    if shown.version == PhotoVersion.MASKED:
        # The blurred copy serves as its own thumbnail: a thumbnail of the original would show the face.
        return stored_file_response(
            record_file.masked, filename=masked_name(record_file), content_type="image/jpeg", inline=inline
        )
    if shown.version == PhotoVersion.BEING_MADE:
        # A photo shared before its copy was asked (a link made before faces were blurred): asked now.
        masking.record_files_mask([record_file])
    return placeholder_response(being_made=shown.version == PhotoVersion.BEING_MADE, inline=inline)


def masked_name(record_file) -> str:
    return f"{record_file.original_name.rsplit('.', 1)[0]}.jpg"


def placeholder_response(*, being_made: bool, inline: bool):
    """A picture that says the blurred copy is on its way (or could not be made), in the viewer's language."""
    content = render_to_string("health_records/mask_placeholder.svg", {"being_made": being_made})
    response = HttpResponse(content, content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(not inline, "photo.svg")
    return _sandboxed(_private(response), inline=inline)
