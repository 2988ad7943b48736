"""What a form shows when the core refuses it: each message next to the field it names."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import HTTPException
from pydantic import ValidationError

from api.problems import STATUS_OF
from rotation import RotationError


@dataclass
class FormErrors:
    """Messages by field name; `""` holds what names no field. `status` is the HTTP status the
    API gives the same refusal (422, 409, 412 ...), and the page answers with it too."""

    fields: dict[str, str] = field(default_factory=dict)
    status: int = 422

    def __bool__(self) -> bool:
        return bool(self.fields)

    def get(self, name: str) -> str:
        return self.fields.get(name, "")

    @property
    def stale(self) -> bool:
        return self.status == 412


def form_errors(error: Exception, fields: tuple[str, ...] = ()) -> FormErrors:
    """The refusal `error` as the API words it (problem+json's `detail` and `field`)."""
    if isinstance(error, ValidationError):
        found: dict[str, str] = {}
        for item in error.errors():
            names = [str(p) for p in item["loc"] if not str(p).startswith(("function-", "date"))]
            name = names[0] if names and names[0] in fields else ""
            found.setdefault(name, str(item["msg"]).removeprefix("Value error, "))
        return FormErrors(found, 422)
    if isinstance(error, HTTPException):
        return FormErrors({"": str(error.detail)}, error.status_code)
    if isinstance(error, RotationError):
        status = next((code for kind, code in STATUS_OF if isinstance(error, kind)), 422)
        name = getattr(error, "field", None) or ""
        return FormErrors({name if name in fields else "": str(error)}, status)
    raise error
