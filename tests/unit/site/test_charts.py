"""The report's SVG bar geometry: bars scale to a round axis top and stay in the plot."""

from __future__ import annotations

import pytest

from clearinghouse.api.site_charts import HEIGHT, WIDTH, _nice_top, bar_chart


@pytest.mark.parametrize(
    ("peak", "top"), [(0, 1), (1, 1), (2, 2), (3, 5), (7, 10), (10, 10), (11, 20), (999, 1000)]
)
def test_axis_top_is_the_next_round_number(peak, top):
    assert _nice_top(peak) == top


def test_bars_are_proportional_and_inside_the_plot():
    chart = bar_chart(["2026-01", "2026-02"], [("a", [5, 10]), ("b", [0, 2])], "t")
    bars = {b["label"]: b for b in chart["bars"]}
    assert bars["2026-02 a: 10"]["h"] == pytest.approx(2 * bars["2026-01 a: 5"]["h"])
    assert bars["2026-02 b: 2"]["h"] == pytest.approx(bars["2026-02 a: 10"]["h"] / 5)
    assert bars["2026-01 b: 0"]["h"] == 0
    for b in chart["bars"]:
        assert b["x"] >= 0 and b["x"] + b["w"] <= WIDTH
        assert b["y"] >= 0 and b["y"] + b["h"] <= chart["base"] + 1e-6 <= HEIGHT
    assert [t["text"] for t in chart["ticks"]] == ["0", "5", "10"]


@pytest.mark.parametrize(
    ("peak", "ticks"),
    [(1, ["0", "0.5", "1"]), (2, ["0", "1", "2"]), (4_000_000, ["0", "2,500,000", "5,000,000"])],
)
def test_ticks_name_distinct_values(peak, ticks):
    chart = bar_chart(["2026-01"], [("a", [peak])], "t")
    assert [t["text"] for t in chart["ticks"]] == ticks


def test_an_empty_report_draws_an_empty_chart():
    chart = bar_chart([], [("a", [])], "t")
    assert chart["bars"] == [] and chart["labels"] == []


def test_every_series_has_its_own_fill_and_a_legend_entry():
    from clearinghouse.api.site_charts import bar_chart, series_colours

    for n in (1, 5, 6, 12, 40):
        colours = series_colours(n)
        assert len(colours) == n == len(set(colours))
        assert all(len(c) == 7 and c.startswith("#") for c in colours)
    series = [(f"label-{i}", [i, i + 1]) for i in range(9)]
    chart = bar_chart(["2026-11", "2026-12"], series, "labels")
    assert [k["name"] for k in chart["legend"]] == [name for name, _ in series]
    fills = {k["series"]: k["fill"] for k in chart["legend"]}
    assert len(set(fills.values())) == 9
    assert all(b["fill"] == fills[b["series"]] for b in chart["bars"])
