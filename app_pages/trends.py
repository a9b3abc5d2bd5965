"""Managers' weekly trends and KPIs: charts with their numbers, the escalated issues, the weekly pack."""
from datetime import timedelta

import streamlit as st

from app_pages import _shared as ui
from qr import charts, compliance, customer_kpis, report, sheets, store, trends, views
from qr.i18n import t
from qr.rules import SEVERITY

lang = ui.language_from_url()
ui.require_user(lang)
counter = store.change_counter()
trends_counter = store.trends_counter()        # the KPIs' cache outlives writes they do not read
refs = ui.reference_lists(counter)
today = store.today()


def _name(record: dict) -> str:
    """An area's, category's or person's name in the page's language (a person's English name may be empty)."""
    zh = record.get("name_zh", record.get("name"))
    return (record.get("name_en") or zh) if lang == "en" else zh


def _picker(column, label_key: str, options: dict, key: str):
    return column.selectbox(t(label_key, lang), [None, *options], key=key,
                            format_func=lambda o: t("board.filter.all", lang) if o is None else options[o])


st.markdown(f"### {t('page.trends', lang)}")
default = trends.default_period(today)
several_plants = len(refs["plants"]) > 1
range_column, *filter_columns = st.columns([1.6, *([1] * (5 if several_plants else 4))])
plant_column = filter_columns.pop(0) if several_plants else None
area_column, category_column, severity_column, owner_column = filter_columns
chosen_days = range_column.date_input(t("trends.range", lang), value=(default.start, today), max_value=today,
                                      key="t_range")
picked = list(chosen_days)             # one day only while the second end is still being picked
first_day, last_day = (picked[0], picked[1] if len(picked) > 1 else today) if picked else (default.start, today)
period = trends.period_for(first_day, last_day, today)
plant_id, plant_areas = ui.plant_filter(plant_column, refs, lang, key="t_plant", dependents=("t_area",))
chosen = trends.TrendsFilter(
    plant_id=plant_id,
    area_id=_picker(area_column, "board.filter.area", {a["id"]: _name(a) for a in plant_areas}, "t_area"),
    category_id=_picker(category_column, "board.filter.category",
                        {c["id"]: _name(c) for c in refs["categories"] if c["parent_id"] is None}, "t_category"),
    severity=_picker(severity_column, "trends.filter.severity", {s: t(f"severity.{s}", lang) for s in SEVERITY},
                     "t_severity"),
    owner_id=_picker(owner_column, "board.filter.owner", {p["id"]: _name(p) for p in refs["people"]}, "t_owner"),
)


def _set_compare() -> None:
    if st.session_state["t_compare"]:
        st.query_params["compare"] = "plants"
    else:
        st.query_params.pop("compare", None)


def compare_plants() -> None:
    """Group managers: the main KPIs of every plant side by side (the category, severity and owner filters apply)."""
    plants = tuple((p["id"], p["code"], p["name_zh"], p["name_en"]) for p in refs["plants"])
    frame = ui.plant_comparison(trends_counter, period, chosen, plants)
    st.markdown(f"#### {t('trends.compare.title', lang)}")
    st.caption(t("trends.compare.help", lang))
    table = report.display_table(frame.drop(columns=["plant_id"]), lang)
    st.dataframe(table, hide_index=True, key="plant_comparison", width="stretch", placeholder=ui.NO_NUMBER)
    counts, rates = st.columns(2)
    counts.plotly_chart(charts.plant_counts(frame, lang), key="chart_plant_counts", config={"displaylogo": False})
    rates.plotly_chart(charts.plant_rates(frame, lang), key="chart_plant_rates", config={"displaylogo": False})
    st.download_button(t("trends.csv", lang), data=sheets.csv_bytes(table), file_name="QR-plants.csv",
                       mime="text/csv", key="csv_plants", icon=":material/download:", on_click="ignore")


if several_plants:
    st.toggle(t("trends.compare.toggle", lang), value=st.query_params.get("compare") == "plants", key="t_compare",
              on_change=_set_compare)
    if st.session_state["t_compare"]:
        compare_plants()
        st.stop()

kpis = ui.trends_kpis(trends_counter, period, chosen)
st.caption(report.period_label(kpis, lang))

figures = charts.figures(kpis, lang)
tables = report.kpi_frames(kpis)


def show_kpi(column, name: str) -> None:
    """One KPI: its chart (or why there is none), then its numbers and their CSV on demand."""
    with column:
        if name in figures:
            st.plotly_chart(figures[name], key=f"chart_{name}", config={"displaylogo": False})
        else:
            st.markdown(f"**{t(f'kpi.{name}', lang)}**")
            st.info(t("trends.no_meetings", lang))
        table = report.display_table(tables[name], lang)
        with st.expander(t("trends.show_data", lang)):
            st.dataframe(table, hide_index=True, key=f"data_{name}", placeholder=ui.NO_NUMBER)
            st.download_button(t("trends.csv", lang), data=sheets.csv_bytes(table),
                               file_name=f"QR-{name}-{trends.iso_week(period.weeks[-1])}.csv", mime="text/csv",
                               key=f"csv_{name}", icon=":material/download:", on_click="ignore")


charted = [name for name in report.KPI_NAMES if name != "escalated"]
for pair in range(0, len(charted), 2):
    for column, name in zip(st.columns(2), charted[pair:pair + 2]):
        show_kpi(column, name)

st.markdown(f"#### {t('kpi.escalated', lang)}")
escalated = report.display_table(kpis.escalated, lang)
if escalated.empty:
    st.info(t("trends.no_escalated", lang))
else:
    number = t("trends.col.number", lang)
    escalated[number] = [views.detail_link(n, lang) for n in kpis.escalated["number"]]
    st.dataframe(escalated, hide_index=True, key="data_escalated",
                 column_config={number: st.column_config.LinkColumn(number, display_text=r"no=([^&]+)")})

st.markdown(f"#### {t('compliance.title_weeks', lang)}")
updates = ui.update_compliance(counter, period.start, period.end, chosen.area_id, "")
updates = updates[updates["held_on"] >= period.start]
if plant_id is not None:
    updates = updates[updates["area_id"].isin([a["id"] for a in plant_areas])]
if chosen.owner_id is not None:
    updates = updates[updates["owner_id"] == chosen.owner_id]
if updates.empty:
    st.caption(t("compliance.none", lang))
else:
    by_week = compliance.compliance_by_week(updates, period.weeks)
    week_column, owner_column = st.columns(2)
    week_table = compliance.week_table(by_week, lang)
    week_column.bar_chart(week_table.assign(**{t("compliance.share", lang): by_week["share"] * 100}),
                          x=t("compliance.week", lang), y=t("compliance.share", lang), height=220)
    week_column.dataframe(week_table, hide_index=True, key="compliance_by_week", placeholder=ui.NO_NUMBER)
    owner_column.dataframe(compliance.owner_table(compliance.compliance_by_owner(updates), lang), hide_index=True,
                           key="compliance_by_owner", placeholder=ui.NO_NUMBER)

pack_week = trends.iso_week(period.weeks[-1])
st.download_button(f"{t('trends.pack', lang)} · {pack_week}", icon=":material/folder_zip:", on_click="ignore",
                   data=lambda: report.pack_zip(report.pack_files(kpis, lang)),
                   file_name=f"QR-trends-{pack_week}.zip", mime="application/zip", key="pack")

st.markdown(f"#### {t('month.title', lang)}")
this_month = store.today().replace(day=1)
months = [this_month]
for _ in range(11):
    months.append((months[-1] - timedelta(days=1)).replace(day=1))
month = st.selectbox(t("field.month", lang), months, format_func=lambda m: f"{m:%Y-%m}", key="customer_month")
customer_month = customer_kpis.compute(**store.customer_month_inputs(month), month=month, now=store.now())
for name, frame in customer_month.frames().items():
    if not frame.empty:
        st.markdown(f"**{t(f'month.kpi.{name}', lang)}**")
        st.dataframe(report.month_table(frame, lang), hide_index=True, key=f"month_{name}",
                     placeholder=ui.NO_NUMBER)
st.download_button(f"{t('month.pack', lang)} · {month:%Y-%m}", icon=":material/folder_zip:", on_click="ignore",
                   data=lambda: report.pack_zip(report.month_pack_files(customer_month, lang)),
                   file_name=f"QR-customers-{month:%Y-%m}.zip", mime="application/zip", key="month_pack")
