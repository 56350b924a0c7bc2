"""The one shape of every error of the REST API (/api/v1/…), whatever raised it:

    {"code": "<stable machine code>", "detail": "<a sentence in the request's language>",
     "fields": {"<field>": ["<message>", …]}}

- `code` is for programs and never changes with the language: "invalid" for field errors, "not_authenticated",
  "authentication_failed", "permission_denied", "not_found", "method_not_allowed", "unsupported_media_type",
  "parse_error", "throttled", or a domain error's own code ("several_faces", "refused"…). A validation error
  about the whole request (no field) carries its own code when it has one ("too_many_templates").
- `detail` is for the person. For a validation error it repeats the errors about the whole request, or
  says that fields are wrong.
- `fields` is {} unless the request was invalid. Errors about the whole request are under
  "non_field_errors"; errors of nested values use dotted paths ("medications.0.dose", "times.1").
- an error may add what its caller needs to go on: a Django ValidationError with an `extra` dict (treatments'
  "safety_confirmation_required" gives `warnings`, the warnings to confirm) has it merged into the body.
- 429 answers also give `wait`, the seconds before trying again (as the Retry-After header does); 401
  answers keep their WWW-Authenticate header.

Services raise Django's ValidationError and PermissionDenied, Http404, or a `relyfe.errors.DomainError`;
API views let them through and this handler (REST_FRAMEWORK["EXCEPTION_HANDLER"]) answers.
"""

import math

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from relyfe.errors import DomainError

# What a domain error raised without a sentence says (DRF's own, already translated).
DEFAULT_DETAILS = {403: exceptions.PermissionDenied.default_detail, 404: exceptions.NotFound.default_detail}


class DomainAPIError(exceptions.APIException):
    """A `DomainError` as DRF's handler expects it (a status and a detail)."""

    def __init__(self, error: DomainError):
        detail = str(error) or DEFAULT_DETAILS.get(error.status) or _("This request cannot be done.")
        super().__init__(detail=detail, code=error.code)
        self.status_code = error.status
        self.error_code = error.code


def api_exception_handler(exc, context):
    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)  # status, WWW-Authenticate, Retry-After, rollback
    if response is not None:
        response.data = error_body(exc)
    return response


def _as_api_exception(exc):
    if isinstance(exc, DomainError):
        return DomainAPIError(exc)
    if isinstance(exc, DjangoValidationError):
        api_error = exceptions.ValidationError(_django_errors(exc))
        api_error.extra = getattr(exc, "extra", {})
        return api_error
    if isinstance(exc, Http404):
        return exceptions.NotFound()  # Http404's own text may name a model: never shown
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    return exc


def _django_errors(error: DjangoValidationError) -> dict:
    """Django's errors as DRF's, keeping each message's code; "__all__" becomes "non_field_errors"."""
    by_field = error.error_dict if hasattr(error, "error_dict") else {None: error.error_list}
    errors = {}
    for field, field_errors in by_field.items():
        key = api_settings.NON_FIELD_ERRORS_KEY if field in (None, "__all__") else field
        errors[key] = [
            exceptions.ErrorDetail(message, code=item.code or "invalid")
            for item in field_errors
            for message in item.messages
        ]
    return errors


def error_body(exc: exceptions.APIException) -> dict:
    if isinstance(exc, exceptions.ValidationError):
        return {**_validation_body(exc.detail), **getattr(exc, "extra", {})}
    code = exc.error_code if isinstance(exc, DomainAPIError) else exc.get_codes()
    body = {"code": str(code), "detail": str(exc.detail), "fields": {}}
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        body["wait"] = math.ceil(exc.wait)
    return body


def _validation_body(detail) -> dict:
    fields: dict[str, list[str]] = {}
    codes: dict[str, list[str]] = {}
    _flatten(detail, "", fields, codes)
    general = fields.get(api_settings.NON_FIELD_ERRORS_KEY, [])
    field_named = any(key != api_settings.NON_FIELD_ERRORS_KEY for key in fields)
    code = "invalid"
    if general and not field_named:
        code = next((item for item in codes[api_settings.NON_FIELD_ERRORS_KEY] if item), "invalid")
    sentence = " ".join(general) if general else _("Some fields are not valid: see each field's errors.")
    return {"code": code, "detail": sentence, "fields": fields}


def _flatten(detail, path: str, fields: dict, codes: dict) -> None:
    if isinstance(detail, dict):
        for key, value in detail.items():
            _flatten(value, f"{path}.{key}" if path else str(key), fields, codes)
    elif isinstance(detail, list):
        for index, item in enumerate(detail):
            if isinstance(item, (dict, list)):
                _flatten(item, f"{path}.{index}" if path else str(index), fields, codes)
            else:
                _flatten(item, path, fields, codes)
    else:
        key = path or api_settings.NON_FIELD_ERRORS_KEY
        fields.setdefault(key, []).append(str(detail))
        codes.setdefault(key, []).append(getattr(detail, "code", None) or "invalid")
