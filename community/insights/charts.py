"""Small server-rendered SVG charts: no script, no library, readable by screen readers.

Every chart is an <svg role="img"> with a <title> and a <desc> that says in words what the
picture shows; the page puts the same numbers in a table beside it. Texts come in already
translated, so this module knows nothing of languages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 44, 16, 40


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    # A second series on its own 0..1 scale (the solution rate), drawn as a line.
    rate: float | None = None


def _nice_max(value: int) -> int:
    """The y-axis top: 1, 2, 5 × a power of ten, at least the largest value."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def _open(chart_id: str, title: str, description: str) -> list[str]:
    return [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def bar_chart(
    chart_id: str,
    bars: Sequence[Bar],
    *,
    title: str,
    description: str,
    rate_label: str | None = None,
    label_every: int = 1,
) -> Markup:
    """Bars for counts on the left axis; with `rate_label`, a line for the rate (0–100 %)
    on the right axis."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _nice_max(max((b.value for b in bars), default=0))
    out = _open(chart_id, title, description)
    # Axes and grid: 0, half and top.
    for fraction in (0.0, 0.5, 1.0):
        y = TOP + plot_h * (1 - fraction)
        out.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        out.append(
            f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{_fmt(top * fraction)}</text>"
        )
        if rate_label is not None:
            out.append(
                f'<text class="axis rate" x="{WIDTH - RIGHT + 6}" y="{y + 4:.1f}">'
                f"{round(fraction * 100)} %</text>"
            )
    if bars:
        slot = plot_w / len(bars)
        width = max(slot * 0.7, 1.0)
        points = []
        for i, bar in enumerate(bars):
            height = plot_h * bar.value / top
            x = LEFT + i * slot + (slot - width) / 2
            out.append(
                f'<rect class="bar" x="{x:.1f}" y="{TOP + plot_h - height:.1f}" '
                f'width="{width:.1f}" height="{height:.1f}">'
                f"<title>{escape(bar.label)}: {bar.value}</title></rect>"
            )
            if i % label_every == 0:
                out.append(
                    f'<text class="axis" x="{x + width / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                    f'text-anchor="middle">{escape(bar.label)}</text>'
                )
            if rate_label is not None and bar.rate is not None:
                points.append(f"{x + width / 2:.1f},{TOP + plot_h * (1 - bar.rate):.1f}")
        if len(points) > 1:
            out.append(f'<polyline class="line" fill="none" points="{" ".join(points)}"/>')
        for point in points:
            cx, cy = point.split(",")
            out.append(f'<circle class="dot" cx="{cx}" cy="{cy}" r="3"/>')
    if rate_label is not None:
        out.append(
            f'<text class="legend rate" x="{WIDTH - RIGHT}" y="{HEIGHT - 6}" '
            f'text-anchor="end">— {escape(rate_label)}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704  (every text above went through escape)


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
