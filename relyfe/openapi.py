"""The API schema (drf-spectacular): every operation documents the errors it may answer with, in the one
shape of `relyfe.api_errors` (the `Error` component), without each view declaring them."""

from drf_spectacular import openapi
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class ErrorSerializer(serializers.Serializer):
    """Every error of the API (see relyfe/api_errors.py)."""

    code = serializers.CharField(help_text="Stable machine code: invalid, not_found, throttled, several_faces…")
    detail = serializers.CharField(help_text="A sentence for the person, in the request's language.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="The invalid fields and their messages; empty unless the request was invalid. Errors about the whole "
        'request are under "non_field_errors", nested values under dotted paths ("medications.0.dose").',
    )
    wait = serializers.IntegerField(
        required=False, help_text="429 only: seconds before trying again, as in the Retry-After header."
    )
    warnings = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text='"safety_confirmation_required" only: the safety warnings a professional confirms by sending the '
        'request again with `safety_confirmation: {"reason": "…"}` (each: code, key, blocking, severity, message, '
        "substances, source, overridden).",
    )


ERROR_DESCRIPTIONS = {
    "400": "The request is invalid: see `fields`, or `code` and `detail`.",
    "401": "No valid credentials: send a token (Authorization: Token …).",
    "403": "Not allowed.",
    "404": "Not found, or not visible to the caller.",
    "429": "Too many attempts: wait `wait` seconds (Retry-After).",
}
ERROR_HEADERS = {
    "401": {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "The scheme to use: Token."}},
    "429": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds before trying again."}},
}


class AutoSchema(openapi.AutoSchema):
    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        error = {"application/json": {"schema": self.resolve_serializer(ErrorSerializer(), "response").ref}}
        responses = operation["responses"]
        for status in self._error_statuses(operation):
            responses.setdefault(status, {"description": ERROR_DESCRIPTIONS[status]})
        for status, response in responses.items():
            if status.startswith("4"):
                response["content"] = error  # declared with a description only, or with an older shape
                if status in ERROR_HEADERS:
                    response.setdefault("headers", {}).update(ERROR_HEADERS[status])
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _error_statuses(self, operation) -> list[str]:
        """The errors the server may answer this operation with."""
        parameters = operation.get("parameters", [])
        statuses = []
        if "requestBody" in operation or any(p["in"] == "query" and p["name"] != "page" for p in parameters):
            statuses.append("400")
        if not all(isinstance(permission, AllowAny) for permission in self.view.get_permissions()):
            statuses += ["401", "403"]
        if any(p["in"] == "path" for p in parameters) or any(p["name"] == "page" for p in parameters):
            statuses.append("404")  # an unknown or hidden id; a page past the end
        if self.view.get_throttles():
            statuses.append("429")
        return statuses
