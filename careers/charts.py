"""Geometry for the server-rendered "planned vs done" chart: plain numbers in, SVG coordinates
out, so no chart library or JavaScript is needed."""

from dataclasses import dataclass

WIDTH, HEIGHT = 320, 160
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 28, 8, 8, 22


@dataclass(frozen=True)
class ProgressChart:
    width: int
    height: int
    planned_points: str  # an SVG polyline's "points"
    done_points: str
    x_labels: list[tuple[float, str]]  # (x, text) under the axis
    y_labels: list[tuple[float, str]]
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    description: str  # the chart in words, for screen readers


def progress_chart(points, total_tasks):
    """Chart of a week plan's `chart` (ChartPoints), or None when there is nothing to plot."""
    if not points or not total_tasks:
        return None
    weeks = len(points)
    plot_w, plot_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(week):
        return round(PAD_LEFT + plot_w * week / weeks, 1)

    def y(tasks):
        return round(PAD_TOP + plot_h * (1 - tasks / total_tasks), 1)

    def polyline(values):
        return " ".join(f"{x(week)},{y(value)}" for week, value in [(0, 0), *values])

    planned = [(p.week, p.planned) for p in points]
    done = [(p.week, p.done) for p in points if p.done is not None]
    step = max(1, round(weeks / 6))
    x_weeks = sorted({*range(step, weeks + 1, step), weeks})
    if len(x_weeks) > 1 and x_weeks[-1] - x_weeks[-2] < step / 2:
        x_weeks.pop(-2)
    last_done = done[-1] if done else None
    description = f"Planned: all {total_tasks} tasks by week {weeks}."
    if last_done:
        planned_then = dict(planned)[last_done[0]]
        description += f" Done by week {last_done[0]}: {last_done[1]} (planned {planned_then:g})."
    return ProgressChart(
        width=WIDTH,
        height=HEIGHT,
        planned_points=polyline(planned),
        done_points=polyline(done) if done else "",
        x_labels=[(x(week), str(week)) for week in x_weeks],
        y_labels=[(y(0), "0"), (y(total_tasks), str(total_tasks))],
        plot_left=PAD_LEFT,
        plot_right=WIDTH - PAD_RIGHT,
        plot_top=PAD_TOP,
        plot_bottom=HEIGHT - PAD_BOTTOM,
        description=description,
    )
