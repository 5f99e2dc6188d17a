"""OpenAPI helpers: the search query parameters are derived from the site's SearchForm."""

from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from api.serializers import ErrorSerializer
from listings.forms import SearchForm


def _parameter(name: str, field: forms.Field) -> OpenApiParameter:
    many = isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField)
    enum = None
    if isinstance(field, forms.ModelChoiceField):
        kind = OpenApiTypes.INT if isinstance(field, forms.ModelMultipleChoiceField) else OpenApiTypes.STR
    elif isinstance(field, forms.ChoiceField):
        kind = OpenApiTypes.STR
        enum = [str(value) for value, _label in list(field.choices) if value != ""]  # type: ignore[arg-type]
    elif isinstance(field, forms.BooleanField):
        kind = OpenApiTypes.BOOL
    elif isinstance(field, forms.IntegerField):
        kind = OpenApiTypes.INT
    elif isinstance(field, forms.DecimalField):
        kind = OpenApiTypes.DECIMAL
    else:
        kind = OpenApiTypes.STR
    return OpenApiParameter(
        name=name,
        type=kind,
        location=OpenApiParameter.QUERY,
        required=False,
        many=many,
        explode=True if many else None,
        enum=enum,
        description=str(field.label or ""),
    )


def search_parameters() -> list[OpenApiParameter]:
    """One query parameter per SearchForm field (the same filters and sorting as /listings/)."""
    return [_parameter(name, field) for name, field in SearchForm.base_fields.items()]


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: OpenApiResponse(ErrorSerializer) for code in codes}


ERROR_REF = {"$ref": "#/components/schemas/Error"}
# Any operation can meet these: a bad or expired token (401), a throttle (429);
# one with a body also a malformed body (400) or an unsupported content type (415).
COMMON = {"401": "Bad or missing credentials", "429": "Too many requests"}
WITH_BODY = {"400": "Invalid request", "415": "Unsupported content type"}


def add_common_errors(result: dict, generator: object, request: object, public: bool) -> dict:
    """drf-spectacular post-processing hook: document the errors every operation can return."""
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            extra = {**COMMON, **(WITH_BODY if "requestBody" in operation else {})}
            if any(p.get("in") == "path" for p in operation.get("parameters", [])):
                extra["404"] = "Not found"
            for code, text in extra.items():
                operation["responses"].setdefault(
                    code, {"description": text, "content": {"application/json": {"schema": ERROR_REF}}}
                )
    return result
