"""`charts.progress_chart`: the planned-vs-done chart's geometry, as strings ready for SVG."""

from careers.charts import progress_chart
from careers.schedule import ChartPoint


def points(planned, done):
    return [
        ChartPoint(week=week, planned=p, done=d)
        for week, (p, d) in enumerate(zip(planned, done, strict=True), start=1)
    ]


def test_nothing_to_plot_is_no_chart():
    assert progress_chart([], 3) is None
    assert progress_chart(points([1], [None]), 0) is None


def test_coordinates_are_strings_with_a_dot_for_decimals():
    chart = progress_chart(points([1, 2, 3], [1, None, None]), 3)
    for label in (*chart.x_labels, *chart.y_labels):
        assert isinstance(label.x, str) and isinstance(label.y, str)
    for value in (chart.width, chart.height, chart.plot_left, chart.plot_bottom, chart.now_x):
        assert isinstance(value, str) and "," not in value
    for pair in chart.planned_points.split():
        x, y = pair.split(",")
        float(x), float(y)  # plain numbers
    assert chart.view_box == "0 0 320 160"


def test_the_done_line_counts_every_resolved_task_and_stops_at_this_week():
    chart = progress_chart(points([1, 2, 3, 4], [0, 1, 3, None]), 4)
    done = chart.done_points.split()
    assert len(done) == 4  # the origin, then weeks 1-3; week 4 is still to come
    assert done[-1].split(",")[1] == "40.5"  # 3 of 4: a quarter of the way down from the top
    assert chart.now_x == done[-1].split(",")[0]
    assert chart.description == "Planned: all 4 tasks by week 4. Done by week 3: 3 (planned 3)."


def test_after_the_plan_the_x_axis_runs_to_the_current_week():
    # A 3-week plan, now in week 9: late ticks in weeks 5 and 8 count.
    planned = [1, 2, 3, 3, 3, 3, 3, 3, 3]
    done = [0, 0, 0, 0, 1, 1, 1, 2, 2]
    chart = progress_chart(points(planned, done), 3)
    assert [label.text for label in chart.x_labels][-1] == "9"
    assert chart.done_points.split()[-1].startswith(chart.plot_right + ",")
    assert chart.description == "Planned: all 3 tasks by week 3. Done by week 9: 2 (planned 3)."


def test_before_the_plan_starts_there_is_no_done_line():
    chart = progress_chart(points([1, 2], [None, None]), 2)
    assert chart.done_points == "" and chart.now_x == ""
    assert chart.description == "Planned: all 2 tasks by week 2."
