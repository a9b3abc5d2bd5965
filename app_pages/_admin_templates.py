"""The admin page's step templates: one template at a time — its steps, one step changed, moved or retired at a
time, a step added at the end — plus a new template (a copy of the chosen one's steps), a rename, and deleting a
template no issue was opened with. Issues keep the steps they were opened with."""
import pandas as pd
import streamlit as st

from app_pages import _shared as ui
from qr import rules, store
from qr.i18n import t

SEVERITIES = (None, *rules.SEVERITY)


def template_section(lang: str, me: int, templates: dict[int, dict]) -> None:
    def label(record: dict) -> str:
        return (record["name_en"] or record["name_zh"]) if lang == "en" else record["name_zh"]

    chosen = st.selectbox(t("field.template", lang), list(templates), key="template_pick",
                          format_func=lambda i: f"{label(templates[i])} ({templates[i]['severity'] or '—'})")
    steps = {s.id: s.model_dump() for s in store.template_steps(chosen)}
    st.dataframe(pd.DataFrame([{"#": s["position"], t("field.name_zh", lang): s["name_zh"],
                                t("field.name_en", lang): s["name_en"], t("field.eight_d", lang): s["eight_d"],
                                t("field.guide_limit_days", lang): s["guide_limit_days"],
                                t("field.may_be_na", lang): "✓" if s["may_be_na"] else "",
                                t("admin.retired_on", lang): str(s["retired_on"] or "")} for s in steps.values()]),
                 hide_index=True, width="stretch")
    step_id = st.selectbox(t("field.step", lang), list(steps), key=f"template_step_pick_{chosen}",
                           format_func=lambda i: f"{steps[i]['position']}. {label(steps[i])}"
                           + (f" ({t('admin.retired', lang)})" if steps[i]["retired_on"] else ""))
    _step_form(lang, me, steps[step_id])
    _move_and_retire(lang, me, steps[step_id], len(steps))
    _new_step_form(lang, me, chosen)
    st.divider()
    _rename_form(lang, me, templates[chosen])
    _new_template_form(lang, me, templates[chosen], [s for s in steps.values() if not s["retired_on"]])
    _delete_form(lang, me, templates[chosen])


def _step_form(lang: str, me: int, step: dict) -> None:
    step_id = step["id"]
    with st.form(f"template_step_{step_id}"):
        name_zh, name_en, short_zh, short_en = st.columns(4)
        eight_d, limit, may_be_na = st.columns(3)
        values = {
            "name_zh": name_zh.text_input(t("field.name_zh", lang), step["name_zh"], max_chars=100, key=f"ts_name_zh_{step_id}"),
            "name_en": name_en.text_input(t("field.name_en", lang), step["name_en"], max_chars=100, key=f"ts_name_en_{step_id}"),
            "short_zh": short_zh.text_input(t("field.short_zh", lang), step["short_zh"], max_chars=20, key=f"ts_short_zh_{step_id}"),
            "short_en": short_en.text_input(t("field.short_en", lang), step["short_en"], max_chars=20, key=f"ts_short_en_{step_id}"),
            "eight_d": eight_d.text_input(t("field.eight_d", lang), step["eight_d"], max_chars=10, key=f"ts_8d_{step_id}"),
            "guide_limit_days": limit.number_input(t("field.guide_limit_days", lang), value=step["guide_limit_days"],
                                                   step=1, key=f"ts_limit_{step_id}"),
            "may_be_na": may_be_na.checkbox(t("field.may_be_na", lang), step["may_be_na"], key=f"ts_na_{step_id}"),
            "apply_to_open": st.checkbox(t("admin.apply_to_open", lang), key=f"ts_apply_{step_id}"),
            "reason": st.text_input(t("history.reason", lang), max_chars=500, key=f"ts_reason_{step_id}"),
        }
        if st.form_submit_button(t("admin.save", lang), type="primary"):
            ui.run_command(store.update_template_step, {"actor_id": me, "template_step_id": step_id, **values},
                           lang, issue_id=None, success=t("admin.saved", lang))


def _move_and_retire(lang: str, me: int, step: dict, count: int) -> None:
    """Moving and retiring act on the chosen step; both leave open issues' steps as they are."""
    move_column, retire_column = st.columns(2)
    with move_column.form(f"move_step_{step['id']}"):
        position = st.number_input(t("admin.move_to", lang), min_value=1, max_value=count, value=step["position"],
                                   step=1, key=f"move_step_to_{step['id']}")
        if st.form_submit_button(t("admin.move", lang)):
            ui.run_command(store.move_template_step, {"actor_id": me, "template_step_id": step["id"],
                                                      "position": int(position)},
                           lang, issue_id=None, success=t("admin.saved", lang))
    with retire_column.form(f"retire_step_{step['id']}"):
        retired = step["retired_on"] is not None
        st.caption(t("admin.retire_help", lang))
        if st.form_submit_button(t("admin.restore_step" if retired else "admin.retire_step", lang)):
            ui.run_command(store.retire_template_step, {"actor_id": me, "template_step_id": step["id"],
                                                        "retired": not retired},
                           lang, issue_id=None, success=t("admin.saved", lang))


def _new_step_form(lang: str, me: int, template_id: int) -> None:
    """A new last step: issues opened before keep the steps they were opened with."""
    with st.form(f"new_step_{template_id}"):
        st.markdown(f"**{t('admin.new_step', lang)}**")
        code, name_zh, name_en, short_zh, short_en = st.columns(5)
        eight_d, limit, may_be_na = st.columns(3, vertical_alignment="bottom")
        step = store.StepSpec(
            code=code.text_input(t("field.code", lang), max_chars=40, key=f"new_step_code_{template_id}"),
            name_zh=name_zh.text_input(t("field.name_zh", lang), max_chars=100, key=f"new_step_zh_{template_id}"),
            name_en=name_en.text_input(t("field.name_en", lang), max_chars=100, key=f"new_step_en_{template_id}"),
            short_zh=short_zh.text_input(t("field.short_zh", lang), max_chars=20, key=f"new_step_short_zh_{template_id}"),
            short_en=short_en.text_input(t("field.short_en", lang), max_chars=20, key=f"new_step_short_en_{template_id}"),
            eight_d=eight_d.text_input(t("field.eight_d", lang), max_chars=10, key=f"new_step_8d_{template_id}"),
            guide_limit_days=limit.number_input(t("field.guide_limit_days", lang), value=30, step=1,
                                                key=f"new_step_limit_{template_id}"),
            may_be_na=may_be_na.checkbox(t("field.may_be_na", lang), True, key=f"new_step_na_{template_id}"))
        if st.form_submit_button(t("admin.add", lang)):
            ui.run_command(store.add_template_step, {"actor_id": me, "template_id": template_id, "step": step},
                           lang, issue_id=None, success=t("admin.saved", lang))


def _severity_label(lang: str):
    return lambda s: t(f"severity.{s}", lang) if s else t("admin.no_default", lang)


def _rename_form(lang: str, me: int, template: dict) -> None:
    with st.form(f"rename_template_{template['id']}"):
        st.markdown(f"**{t('admin.rename_template', lang)}** ({template['code']})")
        name_zh, name_en, severity = st.columns(3)
        values = {"name_zh": name_zh.text_input(t("field.name_zh", lang), template["name_zh"], max_chars=100,
                                                key=f"template_zh_{template['id']}"),
                  "name_en": name_en.text_input(t("field.name_en", lang), template["name_en"], max_chars=100,
                                                key=f"template_en_{template['id']}"),
                  "severity": severity.selectbox(t("admin.default_for", lang), SEVERITIES,
                                                 index=SEVERITIES.index(template["severity"]),
                                                 format_func=_severity_label(lang),
                                                 key=f"template_severity_{template['id']}")}
        if st.form_submit_button(t("admin.save", lang)):
            ui.run_command(store.rename_template, {"actor_id": me, "template_id": template["id"], **values},
                           lang, issue_id=None, success=t("admin.saved", lang))


def _new_template_form(lang: str, me: int, template: dict, active_steps: list[dict]) -> None:
    """A new template starts as a copy of the chosen one's active steps, then is edited step by step."""
    with st.form("new_template"):
        st.markdown(f"**{t('admin.new_template', lang, name=template['name_en'] if lang == 'en' else template['name_zh'])}**")
        code, name_zh, name_en, severity = st.columns(4)
        values = {"code": code.text_input(t("field.code", lang), max_chars=40, key="new_template_code"),
                  "name_zh": name_zh.text_input(t("field.name_zh", lang), max_chars=100, key="new_template_zh"),
                  "name_en": name_en.text_input(t("field.name_en", lang), max_chars=100, key="new_template_en"),
                  "severity": severity.selectbox(t("admin.default_for", lang), SEVERITIES, key="new_template_severity",
                                                 format_func=_severity_label(lang))}
        steps = [store.StepSpec(**{name: s[name] for name in ("code", "name_zh", "name_en", "short_zh", "short_en",
                                                               "eight_d", "guide_limit_days", "may_be_na")})
                 for s in active_steps]
        if st.form_submit_button(t("admin.add", lang)):
            ui.run_command(store.create_template, {"actor_id": me, **values, "steps": steps}, lang, issue_id=None,
                           success=t("admin.saved", lang))


def _delete_form(lang: str, me: int, template: dict) -> None:
    with st.form(f"delete_template_{template['id']}"):
        sure = st.checkbox(t("admin.delete_template_confirm", lang, code=template["code"]),
                           key=f"delete_template_sure_{template['id']}")
        if st.form_submit_button(t("admin.delete_template", lang)):
            if not sure:
                st.error(t("admin.confirm_first", lang))
            else:
                ui.run_command(store.delete_template, {"actor_id": me, "template_id": template["id"]}, lang,
                               issue_id=None, success=t("admin.saved", lang))
