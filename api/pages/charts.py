"""The fairness report as inline SVG, drawn by the server: no script, no chart library.

Per role, one bar per member: the load they carry against their fair share (a tick), and their
weekend and holiday hours. Each chart has a text alternative and the figures as a table."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from rotation.fairness import RoleReport

ROW = 26
LABEL = 120
WIDTH = 560
BAR = 14


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    mark: float | None = None  # the fair share, drawn as a tick
    second: float = 0.0  # stacked on `value` (holiday hours on weekend hours)


def bar_chart(
    title: str, bars: list[Bar], unit: str, legend: tuple[tuple[str, str], ...]
) -> Markup:
    """A horizontal bar chart; scales to its container (viewBox), readable at 390 px."""
    top = max([b.value + b.second for b in bars] + [b.mark or 0 for b in bars] + [1e-9])
    span = WIDTH - LABEL - 70
    height = ROW * len(bars) + 30
    rows = []
    for i, bar in enumerate(bars):
        y = 8 + i * ROW
        w1 = span * bar.value / top
        w2 = span * bar.second / top
        rows.append(
            f'<text x="{LABEL - 6}" y="{y + BAR - 2}" text-anchor="end" class="lbl">'
            f"{escape(bar.label)}</text>"
            f'<rect x="{LABEL}" y="{y}" width="{w1:.1f}" height="{BAR}" class="b1"/>'
        )
        if bar.second:
            rows.append(
                f'<rect x="{LABEL + w1:.1f}" y="{y}" width="{w2:.1f}" height="{BAR}" class="b2"/>'
            )
        if bar.mark is not None:
            x = LABEL + span * bar.mark / top
            rows.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y - 3}" y2="{y + BAR + 3}" class="mk"/>'
            )
        total = bar.value + bar.second
        rows.append(
            f'<text x="{LABEL + w1 + w2 + 4:.1f}" y="{y + BAR - 2}" class="val">'
            f"{total:.1f}{escape(unit)}</text>"
        )
    keys = []
    for i, (name, kind) in enumerate(legend):
        x = LABEL + i * 150
        keys.append(
            f'<rect x="{x}" y="{height - 16}" width="12" height="10" class="{kind}"/>'
            f'<text x="{x + 16}" y="{height - 7}" class="lbl">{escape(name)}</text>'
        )
    return Markup(
        f'<svg viewBox="0 0 {WIDTH} {height}" role="img" class="chart" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
        + "".join(rows + keys)
        + "</svg>"
    )


def load_chart(role: RoleReport, names: dict[str, str]) -> Markup:
    bars = [
        Bar(names.get(m.member, m.member), m.load, mark=m.share)
        for m in role.members
        if m.holds_role or m.load
    ]
    return bar_chart(
        f"{role.role.value}: load carried against fair share, per member",
        bars,
        "",
        (("load", "b1"), ("fair share", "mk")),
    )


def weekend_chart(role: RoleReport, names: dict[str, str]) -> Markup:
    bars = [
        Bar(names.get(m.member, m.member), m.weekend_hours, second=m.holiday_hours)
        for m in role.members
        if m.holds_role or m.hours
    ]
    return bar_chart(
        f"{role.role.value}: weekend and holiday hours, per member",
        bars,
        " h",
        (("weekend hours", "b1"), ("holiday hours", "b2")),
    )
