"""Geometry for the server-rendered "planned vs done" chart: plain numbers in, SVG coordinates
out, so no chart library or JavaScript is needed.

Every coordinate leaves here as a string ("12.5"), so a template prints it as is: no number
passes through Django's localisation, which would write "12,5" in some languages and break the SVG.
"""

from dataclasses import dataclass

WIDTH, HEIGHT = 320, 160
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 28, 8, 8, 22


@dataclass(frozen=True)
class ChartLabel:
    x: str
    y: str
    text: str


@dataclass(frozen=True)
class ProgressChart:
    width: str
    height: str
    planned_points: str  # an SVG polyline's "points"
    done_points: str  # "" before any week has passed
    x_labels: list[ChartLabel]  # week numbers under the axis
    y_labels: list[ChartLabel]  # 0 and the total, left of the axis
    plot_left: str
    plot_right: str
    plot_top: str
    plot_bottom: str
    now_x: str  # where the current week ends; "" when the plan has not started
    description: str  # the chart in words, for screen readers

    @property
    def view_box(self):
        return f"0 0 {self.width} {self.height}"


def _number(value):
    """A coordinate as SVG wants it: a dot for decimals, no trailing ".0"."""
    value = round(value, 1)
    return str(int(value)) if value == int(value) else f"{value:.1f}"


def progress_chart(points, total_tasks):
    """Chart of a week plan's `chart` (ChartPoints), or None when there is nothing to plot.

    The x axis runs over every point: the plan's weeks, or up to the current week when the plan
    is over. "Done" counts every resolved task (done or skipped), late ones included."""
    if not points or not total_tasks:
        return None
    weeks = len(points)
    plot_w, plot_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(week):
        return _number(PAD_LEFT + plot_w * week / weeks)

    def y(tasks):
        return _number(PAD_TOP + plot_h * (1 - min(tasks, total_tasks) / total_tasks))

    def polyline(values):
        return " ".join(f"{x(week)},{y(value)}" for week, value in [(0, 0), *values])

    planned = [(p.week, p.planned) for p in points]
    done = [(p.week, p.done) for p in points if p.done is not None]
    step = max(1, round(weeks / 6))
    x_weeks = sorted({*range(step, weeks + 1, step), weeks})
    if len(x_weeks) > 1 and x_weeks[-1] - x_weeks[-2] < step / 2:
        x_weeks.pop(-2)
    plan_weeks = next((week for week, value in planned if value >= total_tasks), weeks)
    description = f"Planned: all {total_tasks} tasks by week {plan_weeks}."
    if done:
        last_week, last_done = done[-1]
        planned_then = dict(planned)[last_week]
        description += f" Done by week {last_week}: {last_done} (planned {planned_then})."
    label_y = _number(HEIGHT - 6)
    label_x = _number(PAD_LEFT - 6)
    return ProgressChart(
        width=str(WIDTH),
        height=str(HEIGHT),
        planned_points=polyline(planned),
        done_points=polyline(done) if done else "",
        x_labels=[ChartLabel(x(week), label_y, str(week)) for week in x_weeks],
        y_labels=[ChartLabel(label_x, y(0), "0"), ChartLabel(label_x, y(total_tasks), str(total_tasks))],
        plot_left=str(PAD_LEFT),
        plot_right=str(WIDTH - PAD_RIGHT),
        plot_top=str(PAD_TOP),
        plot_bottom=str(HEIGHT - PAD_BOTTOM),
        now_x=x(done[-1][0]) if done else "",
        description=description,
    )
