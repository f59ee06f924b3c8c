"""The one template syntax of flow prompts: `{name}` placeholders, filled without evaluation.

Why not `str.format_map` or Jinja: both reach attributes (`{x.__class__}`, `{{ x.__init__ }}`) and
a prompt is user-written text. Here a placeholder is `{` + an identifier + `}` and nothing else:
a known name is replaced by its value as text, everything else (unknown names, `{a.b}`, `{0}`,
JSON braces) is left exactly as written. Substitution is one pass, so a value that itself
contains `{name}` (say, a model's output) is never expanded again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]{0,63})\}")
PREVIOUS_OUTPUT = "previous_output"


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def render(template: str, variables: Mapping[str, Any]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        return as_text(variables[name]) if name in variables else match.group(0)

    return PLACEHOLDER.sub(fill, template)


def step_variables(run_input: Mapping[str, Any], previous_output: str | None) -> dict[str, Any]:
    """The run input plus `previous_output`: the last step's text, or for the first step the
    input's `input` (else `text`) value, or empty."""
    variables = dict(run_input)
    if previous_output is None:
        first = run_input.get("input", run_input.get("text", ""))
        previous_output = as_text(first)
    variables[PREVIOUS_OUTPUT] = previous_output
    return variables
