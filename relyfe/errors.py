"""Errors a service raises when it refuses something for a reason the caller should know by name.

A `DomainError` carries a stable machine `code` (for apps and programs), a `detail` sentence for the person
(lazily translated) and the HTTP `status` the API answers with: the API's exception handler
(`relyfe.api_errors`) turns it into the one error shape, so API views need no try/except around services.

Subclasses that have a Django equivalent also derive from it, so that web views keep Django's behaviour
without catching anything: `Refused` is a `PermissionDenied` (a 403 page), `Concealed` an `Http404`.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404


class DomainError(Exception):
    code = "error"
    status = 400

    def __init__(self, code: str | None = None, detail=None, status: int | None = None):
        self.code = code or self.code
        self.detail = detail if detail is not None else getattr(type(self), "default_detail", "")
        if status is not None:
            self.status = status
        super().__init__(detail)

    def __str__(self) -> str:
        return str(self.detail)


class Refused(DomainError, PermissionDenied):
    """The caller may see the object but not do this, and is told why (403)."""

    code = "refused"
    status = 403


class Concealed(DomainError, Http404):
    """The caller may not know that the object exists (404, as for an unknown id)."""

    code = "not_found"
    status = 404
