"""Explanations over HTTP, the CLI and the page: the view that loads what `rotation.explain`
needs, and the public shapes it answers with."""

from api.explain.schemas import ExplanationPublic
from api.explain.view import explain_view

__all__ = ["ExplanationPublic", "explain_view"]
