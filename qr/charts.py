"""Plotly figures of the trends KPIs, built from the frames of qr.trends; the same figures go on the page and
into the weekly pack's pictures."""
import math

import pandas as pd
import plotly.graph_objects as go

from qr.i18n import t
from qr.palette import AGEING, BACKLOG, CANCELLED, CLOSED, OPENED, REOPENED, STATUS
from qr.trends import Trends

RED, YELLOW = STATUS["R"], STATUS["Y"]
FONT = "Noto Sans CJK SC, Microsoft YaHei, sans-serif"   # Chinese labels in the PNGs as on screen


def _plain(values) -> list:
    """Lists of plain numbers (None for a gap): the figure's JSON stays readable, not base64 arrays."""
    return [None if isinstance(v, float) and math.isnan(v) else v for v in pd.Series(values).tolist()]


def _layout(figure: go.Figure, title: str, y_title: str, *, percent: bool = False, height: int = 400) -> go.Figure:
    """Title on top, the legend under the plot: on a phone a wrapped legend never covers the title."""
    figure.update_layout(title={"text": title, "y": 0.98, "yanchor": "top"}, font={"family": FONT, "size": 13},
                         template="plotly_white", legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0},
                         margin={"l": 50, "r": 20, "t": 50, "b": 40}, height=height, barmode="group")
    figure.update_yaxes(title=y_title, rangemode="tozero", tickformat=".0%" if percent else None)
    return figure


def _weeks_axis(figure: go.Figure, weeks: list[str]) -> None:
    """At most seven level ticks saying W37 (the year is in the hover text and the table): they fit on a phone."""
    shown = weeks[::max(1, math.ceil(len(weeks) / 7))]
    figure.update_xaxes(type="category", tickvals=shown, ticktext=[week.split("-")[1] for week in shown], tickangle=0)


def _bars(frame: pd.DataFrame, x: list, series: tuple[tuple[str, str], ...], lang: str) -> list[go.Bar]:
    """A bar trace per (column, colour) over the same x, named by the column's heading in the tables."""
    return [go.Bar(name=t(f"trends.col.{column}", lang), x=x, y=_plain(frame[column]), marker_color=colour)
            for column, colour in series]


def opened_closed(frame: pd.DataFrame, lang: str) -> go.Figure:
    weeks = _plain(frame["week"])
    bars = _bars(frame, weeks, (("opened", OPENED), ("closed", CLOSED), ("cancelled", CANCELLED),
                                ("reopened", REOPENED)), lang)
    backlog = go.Scatter(name=t("trends.col.backlog", lang), x=weeks, y=_plain(frame["backlog"]), mode="lines+markers",
                         line={"color": BACKLOG, "width": 3})
    figure = go.Figure([*bars, backlog])
    _weeks_axis(figure, weeks)
    return _layout(figure, t("kpi.opened_closed", lang), t("trends.axis.issues", lang))


def ageing(frame: pd.DataFrame, lang: str) -> go.Figure:
    figure = go.Figure(go.Bar(x=_plain(frame["bucket"]), y=_plain(frame["issues"]), marker_color=AGEING,
                              text=_plain(frame["issues"]), textposition="outside", name=t("trends.col.issues", lang)))
    figure.update_xaxes(title=t("trends.col.bucket", lang), type="category")
    return _layout(figure, t("kpi.ageing", lang), t("trends.axis.issues", lang))


def days_red_yellow(frame: pd.DataFrame, lang: str) -> go.Figure:
    figure = go.Figure(_bars(frame, _plain(frame["month"]), (("days_red", RED), ("days_yellow", YELLOW)), lang))
    figure.update_xaxes(type="category")
    return _layout(figure, t("kpi.days_red_yellow", lang), t("trends.axis.days", lang))


def days_open(frame: pd.DataFrame, lang: str) -> go.Figure:
    figure = go.Figure(go.Scatter(name=t("trends.col.avg_days_open", lang), x=_plain(frame["week"]),
                                  y=_plain(frame["avg_days_open"]), mode="lines+markers", connectgaps=False,
                                  line={"color": OPENED, "width": 3}))
    _weeks_axis(figure, _plain(frame["week"]))
    return _layout(figure, t("kpi.days_open", lang), t("trends.axis.days", lang))


def on_time_by_week(frame: pd.DataFrame, lang: str) -> go.Figure:
    figure = go.Figure(go.Scatter(name=t("trends.axis.rate", lang), x=_plain(frame["week"]), y=_plain(frame["rate"]),
                                  mode="lines+markers", line={"color": CLOSED, "width": 3},
                                  customdata=list(zip(_plain(frame["on_time"]), _plain(frame["completed"]))),
                                  hovertemplate="%{y:.0%} (%{customdata[0]}/%{customdata[1]})<extra></extra>"))
    figure.update_yaxes(range=[0, 1.05])
    _weeks_axis(figure, _plain(frame["week"]))
    return _layout(figure, t("kpi.on_time_by_week", lang), t("trends.axis.rate", lang), percent=True)


def on_time_by_step(frame: pd.DataFrame, lang: str) -> go.Figure:
    figure = go.Figure(go.Bar(name=t("trends.axis.rate", lang), y=_plain(frame[f"name_{lang}"]),
                              x=_plain(frame["rate"]), orientation="h", marker_color=CLOSED,
                              text=[f"{r:.0%}" if r is not None else "" for r in _plain(frame["rate"])],
                              textposition="auto"))
    figure.update_yaxes(autorange="reversed")
    figure.update_xaxes(tickformat=".0%", range=[0, 1.05])
    return _layout(figure, t("kpi.on_time_by_step", lang), "")


def _plant_names(frame: pd.DataFrame, lang: str) -> list[str]:
    return _plain(frame["name_en"].where(frame["name_en"] != "", frame["name_zh"]) if lang == "en" else frame["name_zh"])


def plant_counts(frame: pd.DataFrame, lang: str) -> go.Figure:
    """The plants side by side: opened and closed in the period, open and overdue on its last day."""
    figure = go.Figure(_bars(frame, _plant_names(frame, lang), (("opened", OPENED), ("closed", CLOSED),
                                                                ("open", BACKLOG), ("overdue", RED)), lang))
    figure.update_xaxes(type="category")
    return _layout(figure, t("trends.compare.counts", lang), t("trends.axis.issues", lang))


def plant_rates(frame: pd.DataFrame, lang: str) -> go.Figure:
    """Each plant's share of steps completed on time in the period."""
    rates = _plain(frame["rate"])
    figure = go.Figure(go.Bar(name=t("trends.axis.rate", lang), x=_plant_names(frame, lang), y=rates,
                              marker_color=CLOSED, text=[f"{r:.0%}" if r is not None else "" for r in rates],
                              textposition="auto"))
    figure.update_xaxes(type="category")
    figure.update_yaxes(range=[0, 1.05])
    return _layout(figure, t("trends.compare.rates", lang), t("trends.axis.rate", lang), percent=True)


def breakdown(frame: pd.DataFrame, dimension: str, lang: str) -> go.Figure:
    """Horizontal bars, most open first: long category and owner names stay readable."""
    names = _plain(frame[f"name_{lang}"])
    figure = go.Figure([
        go.Bar(name=t(f"trends.col.{column}", lang), y=names, x=_plain(frame[column]), orientation="h",
               marker_color=colour)
        for column, colour in (("open", BACKLOG), ("opened", OPENED), ("closed", CLOSED))
    ])
    figure.update_yaxes(type="category", autorange="reversed")
    figure.update_xaxes(rangemode="tozero")
    return _layout(figure, t(f"kpi.by_{dimension}", lang), "", height=max(400, 160 + 42 * len(names)))


def attendance(frame: pd.DataFrame, lang: str) -> go.Figure:
    figure = go.Figure(go.Bar(name=t("trends.axis.attendance", lang), x=_plain(frame["week"]),
                              y=_plain(frame["rate"]), marker_color=OPENED))
    figure.update_yaxes(range=[0, 1.05])
    _weeks_axis(figure, _plain(frame["week"]))
    return _layout(figure, t("kpi.attendance", lang), t("trends.axis.attendance", lang), percent=True)


def response_clocks(frame: pd.DataFrame, lang: str) -> go.Figure:
    """Customer responses met and late per due week, stacked: the late part is what the customer felt."""
    weeks = _plain(frame["week"])
    figure = go.Figure(_bars(frame, weeks, (("met", CLOSED), ("late", RED), ("running", YELLOW)), lang))
    _weeks_axis(figure, weeks)
    _layout(figure, t("kpi.response_clocks", lang), t("trends.axis.clocks", lang))
    figure.update_layout(barmode="stack")
    return figure


def follow_ups(frame: pd.DataFrame, lang: str) -> go.Figure:
    """回访: the two weekly rates against their targets (100 % of customer issues, 30 % of the others),
    and the average satisfaction (1–5) as labelled stars on the right-hand axis (bars there would hide the lines)."""
    weeks = _plain(frame["week"])
    figure = go.Figure([
        go.Scatter(name=t("trends.col.complaints_rate", lang), x=weeks, y=_plain(frame["complaints_rate"]),
                   mode="lines+markers", line={"color": RED, "width": 3}),
        go.Scatter(name=t("trends.col.complaints_target", lang), x=weeks, y=_plain(frame["complaints_target"]),
                   mode="lines", line={"color": RED, "dash": "dash", "width": 1}),
        go.Scatter(name=t("trends.col.others_rate", lang), x=weeks, y=_plain(frame["others_rate"]),
                   mode="lines+markers", line={"color": OPENED, "width": 3}),
        go.Scatter(name=t("trends.col.others_target", lang), x=weeks, y=_plain(frame["others_target"]),
                   mode="lines", line={"color": OPENED, "dash": "dash", "width": 1}),
        go.Scatter(name=t("trends.col.satisfaction", lang), x=weeks, y=_plain(frame["satisfaction"]), yaxis="y2",
                   mode="markers+text", marker={"color": CLOSED, "symbol": "star", "size": 12},
                   text=_plain(frame["satisfaction"]), textposition="top center"),
    ])
    _weeks_axis(figure, weeks)
    _layout(figure, t("kpi.follow_ups", lang), t("trends.axis.follow_up_rate", lang), percent=True)
    figure.update_yaxes(range=[0, 1.05])
    figure.update_layout(yaxis2={"title": t("trends.col.satisfaction", lang), "overlaying": "y", "side": "right",
                                 "range": [0, 5.7], "showgrid": False})
    return figure


def repeats(frame: pd.DataFrame, lang: str) -> go.Figure:
    """Opened issues and the repeats among them as bars, the repeat rate as a line on the right-hand axis."""
    weeks = _plain(frame["week"])
    figure = go.Figure([*_bars(frame, weeks, (("opened", OPENED), ("repeats", RED)), lang),
                        go.Scatter(name=t("trends.col.repeat_rate", lang), x=weeks, y=_plain(frame["rate"]),
                                   yaxis="y2", mode="lines+markers", line={"color": BACKLOG, "width": 3})])
    _weeks_axis(figure, weeks)
    _layout(figure, t("kpi.repeats", lang), t("trends.axis.issues", lang))
    figure.update_layout(yaxis2={"title": t("trends.col.repeat_rate", lang), "overlaying": "y", "side": "right",
                                 "range": [0, 1.05], "tickformat": ".0%", "showgrid": False})
    return figure


def figures(trends: Trends, lang: str) -> dict[str, go.Figure]:
    """Every chart of the page and the pack, by KPI name (the escalated list is a table, not a chart)."""
    charts = {
        "opened_closed": opened_closed(trends.opened_closed, lang),
        "ageing": ageing(trends.ageing, lang),
        "days_red_yellow": days_red_yellow(trends.days_red_yellow, lang),
        "days_open": days_open(trends.days_open, lang),
        "on_time_by_week": on_time_by_week(trends.on_time_by_week, lang),
        "on_time_by_step": on_time_by_step(trends.on_time_by_step, lang),
        **{f"by_{dimension}": breakdown(frame, dimension, lang) for dimension, frame in trends.breakdowns.items()},
        "response_clocks": response_clocks(trends.response_clocks, lang),
        "follow_ups": follow_ups(trends.follow_ups, lang),
        "repeats": repeats(trends.repeats, lang),
    }
    if trends.meetings_recorded:
        charts["attendance"] = attendance(trends.attendance, lang)
    return charts
