"""Server-rendered SVG bar charts: no script, and each chart has a table with the same numbers."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 560
LABEL_WIDTH = 200
BAR_HEIGHT = 22
GAP = 8


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value (None when suppressed) and the text shown for it."""

    label: str
    value: float | None
    text: str


def bar_chart(title: str, bars: list[Bar], *, maximum: float | None = None) -> Markup:
    """Return a horizontal bar chart as inline SVG, described for screen readers."""
    values = [bar.value for bar in bars if bar.value is not None]
    top = maximum if maximum is not None else max(values, default=0.0)
    room = WIDTH - LABEL_WIDTH - 90
    height = max(1, len(bars)) * (BAR_HEIGHT + GAP) + GAP
    summary = "; ".join(f"{bar.label}: {bar.text}" for bar in bars)
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}: {escape(summary)}" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" font-size="13" fill="currentColor" '
        'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for index, bar in enumerate(bars):
        y = GAP + index * (BAR_HEIGHT + GAP)
        length = 0.0 if not bar.value or top <= 0 else room * bar.value / top
        parts.append(
            f"<g><title>{escape(bar.label)}: {escape(bar.text)}</title>"
            f'<text x="{LABEL_WIDTH - 6}" y="{y + BAR_HEIGHT - 6}" text-anchor="end">'
            f"{escape(bar.label)}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" '
            f'class="{"bar" if bar.value is not None else "bar suppressed"}" fill="#1f6f5c"></rect>'
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{y + BAR_HEIGHT - 6}">'
            f"{escape(bar.text)}</text></g>"
        )
    parts.append("</svg>")
    # Every text in it went through escape() above.
    return Markup("".join(parts))  # noqa: S704
