"""Email templates: Jinja2, one folder per locale, a plain-text and an HTML part per message.

`templates/<locale>/<name>.txt` sets the subject (`{% set subject %}...{% endset %}`) and holds
the plain-text body; `<name>.html` extends the locale's `base.html`. HTML is autoescaped, so a
user's name cannot inject markup; subjects are folded to one line, so it cannot inject headers.
The locale is the user's (`es-MX` uses `es`), falling back to English.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from mosaic.providers.email import EmailMessage

TEMPLATE_DIR = Path(__file__).parent / "templates"
TEMPLATE_NAMES = (
    "welcome",
    "welcome-owner",
    "company-invitation",
    "verification",
    "password-reset",
    "notification",
    "booking-confirmation",
    "booking-cancellation",
    "booking-reminder",
)
DEFAULT_LOCALE = "en"


class EmailTemplates:
    def __init__(self, directory: Path = TEMPLATE_DIR) -> None:
        loader = FileSystemLoader(directory)
        # The plain-text part has no HTML to escape; the HTML part below is autoescaped.
        self.text = Environment(
            loader=loader,
            autoescape=False,  # noqa: S701
            undefined=StrictUndefined,
            keep_trailing_newline=True,
        )
        self.html = Environment(loader=loader, autoescape=True, undefined=StrictUndefined)
        self.locales = frozenset(path.name for path in directory.iterdir() if path.is_dir())

    def locale_for(self, requested: str | None) -> str:
        if requested:
            candidate = requested.replace("_", "-").split("-", 1)[0].lower()
            if candidate in self.locales:
                return candidate
        return DEFAULT_LOCALE

    def render(self, name: str, locale: str | None, to: str, **context: Any) -> EmailMessage:
        if name not in TEMPLATE_NAMES:
            raise LookupError(f"unknown email template {name!r}")
        folder = self.locale_for(locale)
        text_template = self.text.get_template(f"{folder}/{name}.txt")
        text = text_template.render(**context)
        subject = " ".join(str(getattr(text_template.make_module(context), "subject", name)).split())
        html = self.html.get_template(f"{folder}/{name}.html").render(subject=subject, **context)
        return EmailMessage(to=to, subject=subject, text=text.strip() + "\n", html=html, tag=name)


@lru_cache(maxsize=1)
def default_templates() -> EmailTemplates:
    return EmailTemplates()


def render_email(name: str, locale: str | None, to: str, **context: Any) -> EmailMessage:
    return default_templates().render(name, locale, to, **context)
