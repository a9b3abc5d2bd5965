"""The managers' weekly pack: a workbook with one sheet of numbers per KPI, and a PNG per chart."""
import io
import math
import os
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from qr import charts, customer_kpis
from qr.excel import HEADER_FILL, HEADER_FONT
from qr.i18n import t
from qr.sheets import put, put_rows
from qr.trends import Trends, iso_week

KPI_NAMES = ("opened_closed", "ageing", "days_red_yellow", "days_open", "on_time_by_week", "on_time_by_step",
             "by_category", "by_area", "by_owner", "by_severity", "attendance", "response_clocks", "follow_ups",
             "repeats", "escalated")
CHROMIUM = "/usr/bin/chromium"         # Debian's; kaleido must never download a browser of its own
_BILINGUAL = {"name": ("name_zh", "name_en"), "area": ("area_zh", "area_en"), "owner": ("owner", "owner_en")}
_HIDDEN = ("week_start", "key", "code")


def kpi_frames(trends: Trends) -> dict[str, pd.DataFrame]:
    """Each KPI's numbers by name, in the pack's order."""
    return {"opened_closed": trends.opened_closed, "ageing": trends.ageing,
            "days_red_yellow": trends.days_red_yellow, "days_open": trends.days_open,
            "on_time_by_week": trends.on_time_by_week, "on_time_by_step": trends.on_time_by_step,
            **{f"by_{dimension}": frame for dimension, frame in trends.breakdowns.items()},
            "attendance": trends.attendance, "response_clocks": trends.response_clocks,
            "follow_ups": trends.follow_ups, "repeats": trends.repeats,
            "escalated": trends.escalated}


def display_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A KPI frame as people read it: their language's names only, rates in per cent, translated headers."""
    shown = frame.drop(columns=[c for c in _HIDDEN if c in frame.columns])
    for name, (zh, en) in _BILINGUAL.items():
        if zh in shown.columns:
            chosen = shown[en].where(shown[en] != "", shown[zh]) if lang == "en" else shown[zh]
            shown = shown.drop(columns=[zh, en]).assign(**{name: chosen})
    for rate in [c for c in shown.columns if c == "rate" or c.endswith(("_rate", "_target"))]:
        shown[rate] = (shown[rate] * 100).round(1)
    if "escalation_level" in shown.columns:
        shown["escalation"] = [t(f"escalation.{level}", lang) for level in shown["escalation_level"]]
    order = [c for c in ("week", "month", "number", "name", "bucket", "description", "area", "owner") if c in shown]
    shown = shown[order + [c for c in shown.columns if c not in order]]
    return shown.rename(columns={c: t(f"trends.col.{c}", lang) for c in shown.columns})


def period_label(trends: Trends, lang: str) -> str:
    period = trends.period
    return t("trends.period", lang, first=iso_week(period.start), last=iso_week(period.weeks[-1]),
             on=period.on.isoformat())


def _cell_value(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def workbook(trends: Trends, lang: str) -> bytes:
    """One sheet per KPI, named by the KPI: its title, the period, then the table as plain numbers."""
    book = Workbook()
    book.remove(book.active)
    for name, frame in kpi_frames(trends).items():
        sheet = book.create_sheet(name)
        put(sheet, 1, 1, t(f"kpi.{name}", lang)).font = Font(bold=True, size=14)
        put(sheet, 2, 1, period_label(trends, lang))
        table = display_table(frame, lang)
        for column, header in enumerate(table.columns, start=1):
            cell = put(sheet, 4, column, header)
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
            width = max([len(str(header))] + [len(str(v)) for v in table.iloc[:, column - 1]])
            sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 4, 10), 60)
        put_rows(sheet, ([_cell_value(value) for value in values] for values in table.itertuples(index=False)), first=5)
        sheet.freeze_panes = "A5"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def chart_pictures(trends: Trends, lang: str) -> dict[str, bytes]:
    """A PNG per chart, drawn by kaleido in Debian's Chromium (all in one browser session)."""
    os.environ.setdefault("BROWSER_PATH", CHROMIUM)
    figures = charts.figures(trends, lang)
    with tempfile.TemporaryDirectory() as folder:
        paths = [Path(folder) / f"{name}.png" for name in figures]
        pio.write_images(list(figures.values()), paths, format="png", width=1100, height=450, scale=1)
        return {name: path.read_bytes() for name, path in zip(figures, paths)}


def pack_files(trends: Trends, lang: str) -> dict[str, bytes]:
    """The pack's files by name: the workbook, then the charts numbered in the workbook's order."""
    week = iso_week(trends.period.weeks[-1])
    files = {f"QR-trends-{week}.xlsx": workbook(trends, lang)}
    pictures = chart_pictures(trends, lang)
    for number, name in enumerate(KPI_NAMES, start=1):
        if name in pictures:
            files[f"QR-trends-{week}-{number:02d}-{name}.png"] = pictures[name]
    return files


def pack_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def month_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A customer KPI as people read it: the customer's name in the language (no customer: said so), rates in %."""
    shown = frame.copy()
    if "code" in shown.columns:
        names = shown["name_en"].where(shown["name_en"] != "", shown["name_zh"]) if lang == "en" else shown["name_zh"]
        shown = shown.drop(columns=["name_zh", "name_en"])
        shown["code"] = [code or t("month.no_customer", lang) for code in shown["code"]]
        shown.insert(1, "name", names.values)
    for rate in [c for c in shown.columns if c in ("valid_rate", "rate")]:
        shown[rate] = [None if pd.isna(v) else round(v * 100, 1) for v in shown[rate]]
    if "ppm" in shown.columns:
        shown["ppm"] = [None if pd.isna(v) else round(v, 1) for v in shown["ppm"]]
    return shown.rename(columns={c: t(f"month.col.{c}", lang) for c in shown.columns})


def month_workbook(kpis: customer_kpis.CustomerMonth, lang: str) -> bytes:
    """One sheet per customer KPI of the month: its title, the month, then the table."""
    book = Workbook()
    book.remove(book.active)
    for name, frame in kpis.frames().items():
        sheet = book.create_sheet(name)
        put(sheet, 1, 1, t(f"month.kpi.{name}", lang)).font = Font(bold=True, size=14)
        put(sheet, 2, 1, f"{kpis.month:%Y-%m}")
        table = month_table(frame, lang)
        for column, header in enumerate(table.columns, start=1):
            cell = put(sheet, 4, column, header)
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
            sheet.column_dimensions[get_column_letter(column)].width = max(len(str(header)) + 6, 12)
        put_rows(sheet, ([_cell_value(value) for value in values] for values in table.itertuples(index=False)), first=5)
        sheet.freeze_panes = "A5"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def month_figures(kpis: customer_kpis.CustomerMonth, lang: str) -> dict:
    """A bar chart per customer KPI that has rows: complaints by disposition, PPM, clock compliance, satisfaction."""
    figures = {}
    series = {"complaints": ("valid", "invalid", "undecided"), "ppm": ("ppm",), "clocks": ("rate",),
              "satisfaction": customer_kpis.DIMENSIONS, "suppliers": ("issues", "charge_backs")}
    for name, columns in series.items():
        frame = getattr(kpis, name)
        if frame.empty:
            continue
        labels = frame["supplier"] if name == "suppliers" else [
            code or t("month.no_customer", lang) for code in frame["code"]]
        figure = go.Figure([go.Bar(name=t(f"month.col.{column}", lang), x=list(labels),
                                   y=[None if pd.isna(v) else v * (100 if column == "rate" else 1)
                                      for v in frame[column]]) for column in columns])
        figure.update_layout(title=f"{t(f'month.kpi.{name}', lang)} · {kpis.month:%Y-%m}", template="plotly_white",
                             barmode="stack" if name == "complaints" else "group",
                             font={"family": "Noto Sans CJK SC, sans-serif"})
        figures[name] = figure
    return figures


def month_pack_files(kpis: customer_kpis.CustomerMonth, lang: str) -> dict[str, bytes]:
    """The customers' monthly pack: the workbook, then a PNG per chart, like the weekly pack."""
    month = f"{kpis.month:%Y-%m}"
    files = {f"QR-customers-{month}.xlsx": month_workbook(kpis, lang)}
    os.environ.setdefault("BROWSER_PATH", CHROMIUM)
    figures = month_figures(kpis, lang)
    with tempfile.TemporaryDirectory() as folder:
        paths = [Path(folder) / f"{name}.png" for name in figures]
        if figures:
            pio.write_images(list(figures.values()), paths, format="png", width=1100, height=450, scale=1)
        for number, (name, path) in enumerate(zip(figures, paths), start=1):
            files[f"QR-customers-{month}-{number:02d}-{name}.png"] = path.read_bytes()
    return files
