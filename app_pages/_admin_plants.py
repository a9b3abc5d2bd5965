"""The admin page's plants: the group's plants with their areas, a new plant, and renaming one (its code stays:
URLs (?plant=CODE) and exports know it by that). An area's plant is chosen with the area."""
import pandas as pd
import streamlit as st

from app_pages import _shared as ui
from qr import store
from qr.i18n import t


def plants_section(lang: str, me: int, plants: dict[int, dict], areas: dict[int, dict]) -> None:
    def name(record: dict) -> str:
        return (record["name_en"] or record["name_zh"]) if lang == "en" else record["name_zh"]

    st.caption(t("admin.plants_help", lang))
    st.dataframe(pd.DataFrame([{t("field.code", lang): p["code"], t("field.name_zh", lang): p["name_zh"],
                                t("field.name_en", lang): p["name_en"],
                                t("admin.plant_areas", lang): ", ".join(name(a) for a in areas.values()
                                                                        if a["plant_id"] == p["id"])}
                               for p in plants.values()]), hide_index=True, width="stretch")
    with st.form("new_plant"):
        st.markdown(f"**{t('admin.new_plant', lang)}**")
        code, name_zh, name_en = st.columns(3)
        values = {"code": code.text_input(t("field.code", lang), max_chars=20, key="plant_code"),
                  "name_zh": name_zh.text_input(t("field.name_zh", lang), max_chars=100, key="plant_name_zh"),
                  "name_en": name_en.text_input(t("field.name_en", lang), max_chars=100, key="plant_name_en")}
        if st.form_submit_button(t("admin.add", lang)):
            ui.run_command(store.create_plant, {"actor_id": me, **values}, lang, issue_id=None,
                           success=t("admin.saved", lang))
    plant_id = st.selectbox(t("admin.edit_plant", lang), list(plants), key="edit_plant_pick",
                            format_func=lambda i: f"{plants[i]['code']} · {name(plants[i])}")
    if plant_id is None:
        return
    with st.form(f"edit_plant_{plant_id}"):
        name_zh, name_en = st.columns(2)
        values = {"name_zh": name_zh.text_input(t("field.name_zh", lang), plants[plant_id]["name_zh"], max_chars=100,
                                                key=f"edit_plant_zh_{plant_id}"),
                  "name_en": name_en.text_input(t("field.name_en", lang), plants[plant_id]["name_en"], max_chars=100,
                                                key=f"edit_plant_en_{plant_id}")}
        if st.form_submit_button(t("admin.save", lang)):
            ui.run_command(store.update_plant, {"actor_id": me, "plant_id": plant_id, **values}, lang,
                           issue_id=None, success=t("admin.saved", lang))
