"""A report's figures set as HTML (a Jinja2 template, `templates/report.html.j2`) and as PDF
(WeasyPrint, which shapes Arabic through Pango and HarfBuzz and lays it out right to left).

The PDF needs a font with Arabic glyphs: the template asks for DejaVu Sans, then Noto
(Debian `fonts-dejavu-core`, installed by `make fonts`).
"""

from __future__ import annotations

import base64
from functools import cache

import jinja2

from borderwatch.oversight.charts import availability_map
from borderwatch.oversight.figures import Figures
from borderwatch.oversight.language import number, words

__all__ = ["render_html", "render_pdf"]


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("borderwatch.oversight", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("report.html.j2")


def render_html(figures: Figures, lang: str, map_png: bytes | None = None) -> str:
    """The report as one self-contained HTML page (its map inline as a PNG: `map_png`, drawn
    here if not given, so several languages can share one)."""
    w = words(lang)
    png = map_png or availability_map(figures.coverage, figures.sensors)

    def minutes(seconds: float | None) -> str:
        return number(None if seconds is None else seconds / 60.0, w.lang, 1)

    def percent(share: float | None) -> str:
        return "–" if share is None else f"{number(share * 100.0, w.lang, 1)} %"

    return _template().render(
        f=figures,
        w=w,
        map_png=base64.b64encode(png).decode(),
        minutes=minutes,
        percent=percent,
        num=lambda v, d=1: number(v, w.lang, d),
    )


def render_pdf(figures: Figures, lang: str, map_png: bytes | None = None) -> bytes:
    """The report as PDF."""
    import weasyprint  # imported here: it loads Pango, which only reports need

    pdf = weasyprint.HTML(string=render_html(figures, lang, map_png)).write_pdf()
    if not isinstance(pdf, bytes):
        raise TypeError("WeasyPrint wrote no PDF")
    return pdf
