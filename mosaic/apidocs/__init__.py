"""Per-endpoint Markdown docs generated from the app's OpenAPI schema, and their parser (SPEC §7)."""

from mosaic.apidocs.model import EndpointDoc, Example, Parameter, ResponseDoc
from mosaic.apidocs.parser import DocsError, Problem, parse_file, parse_folder, parse_text
from mosaic.apidocs.render import render

__all__ = [
    "DocsError",
    "EndpointDoc",
    "Example",
    "Parameter",
    "Problem",
    "ResponseDoc",
    "parse_file",
    "parse_folder",
    "parse_text",
    "render",
]
