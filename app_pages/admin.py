"""Administration: plants, people, areas, categories, step templates, the board's rules, users and roles (admins only)."""
import pandas as pd
import streamlit as st

from app_pages import _shared as ui
from app_pages._admin_customers import customers_section, follow_up_rule_section
from app_pages._admin_displays import displays_section, meeting_settings_section
from app_pages._admin_notices import notices_section
from app_pages._admin_plants import plants_section
from app_pages._admin_templates import template_section
from qr import rules, store
from qr.history_views import shown_field, shown_value
from qr.i18n import t

lang = ui.language_from_url()
user = ui.require_user(lang)
st.markdown(f"### {t('page.admin', lang)}")
if not rules.allowed(user.role, "configure"):
    st.warning(t("admin.only", lang))
    st.stop()
ui.show_flash()
me = user.person_id
counter = store.change_counter()
refs = ui.reference_lists(counter)
areas = {a["id"]: a for a in refs["areas"]}
plants = {p["id"]: p for p in refs["plants"]}
people = {p["id"]: p for p in refs["people"]}
categories = {c["id"]: c for c in refs["categories"]}


def _label(record: dict, key: str = "name") -> str:
    return (record.get(f"{key}_en") or record.get(f"{key}_zh", "")) if lang == "en" else record.get(f"{key}_zh", "")


def _person_name(person: dict) -> str:
    return (person["name_en"] or person["name"]) if lang == "en" else person["name"]


def _function(code: str) -> str:
    return t(f"function.{code or 'none'}", lang)


def _functions(stored: str) -> str:
    return ", ".join(_function(f) for f in rules.function_list(stored))


def _plant_picker(column, key: str, current: int | None = None):
    """An area's plant; with one plant there is nothing to choose (a new area goes to it)."""
    if len(plants) < 2:
        return None
    return column.selectbox(t("field.plant", lang), list(plants), key=key,
                            index=list(plants).index(current) if current in plants else 0,
                            format_func=lambda i: f"{plants[i]['code']} · {_label(plants[i])}")


def people_and_areas() -> None:
    """Areas and people: the lists, a new one, and changing one (a person who left is made inactive)."""
    st.dataframe(pd.DataFrame([{t("field.code", lang): a["code"], t("field.name_zh", lang): a["name_zh"],
                                t("field.name_en", lang): a["name_en"],
                                t("field.plant", lang): _label(plants[a["plant_id"]]) if a["plant_id"] in plants
                                else "",
                                t("field.required_functions", lang): _functions(a["required_functions"])}
                               for a in areas.values()]),
                 hide_index=True, width="stretch")
    with st.form("new_area"):
        st.markdown(f"**{t('admin.new_area', lang)}**")
        code, name_zh, name_en, plant = st.columns(4)
        values = {"plant_id": _plant_picker(plant, "area_plant"),
                  "code": code.text_input(t("field.code", lang), max_chars=20, key="area_code"),
                  "name_zh": name_zh.text_input(t("field.name_zh", lang), max_chars=100, key="area_name_zh"),
                  "name_en": name_en.text_input(t("field.name_en", lang), max_chars=100, key="area_name_en"),
                  "required_functions": st.pills(t("admin.required_functions", lang), rules.FUNCTIONS,
                                                 selection_mode="multi", key="area_functions",
                                                 format_func=_function)}
        if st.form_submit_button(t("admin.add", lang)):
            ui.run_command(store.create_area, {"actor_id": me, **values}, lang, issue_id=None,
                           success=t("admin.saved", lang))
    if areas:
        area_id = st.selectbox(t("admin.edit_area", lang), list(areas), key="edit_area_pick",
                               format_func=lambda i: f"{areas[i]['code']} · {_label(areas[i])}")
        with st.form(f"edit_area_{area_id}"):
            name_zh, name_en, plant = st.columns(3)
            values = {"plant_id": _plant_picker(plant, f"edit_area_plant_{area_id}", areas[area_id]["plant_id"]),
                      "name_zh": name_zh.text_input(t("field.name_zh", lang), areas[area_id]["name_zh"], max_chars=100,
                                                    key=f"edit_area_zh_{area_id}"),
                      "name_en": name_en.text_input(t("field.name_en", lang), areas[area_id]["name_en"], max_chars=100,
                                                    key=f"edit_area_en_{area_id}"),
                      "required_functions": st.pills(
                          t("admin.required_functions", lang), rules.FUNCTIONS, selection_mode="multi",
                          format_func=_function, default=rules.function_list(areas[area_id]["required_functions"]),
                          key=f"edit_area_functions_{area_id}")}
            if st.form_submit_button(t("admin.save", lang)):
                ui.run_command(store.update_area, {"actor_id": me, "area_id": area_id, **values}, lang,
                               issue_id=None, success=t("admin.saved", lang))
    st.dataframe(pd.DataFrame([{t("field.name", lang): p["name"], t("field.name_en", lang): p["name_en"],
                                t("field.email", lang): p["email"] or "",
                                t("field.area", lang): _label(areas[p["area_id"]]) if p["area_id"] in areas else "",
                                t("field.function", lang): _function(p["function"])}
                               for p in people.values()]), hide_index=True, width="stretch")
    with st.form("new_person"):
        st.markdown(f"**{t('admin.new_person', lang)}**")
        name, name_en, email, area, function = st.columns(5)
        values = {"name": name.text_input(t("field.name", lang), max_chars=100, key="person_name"),
                  "name_en": name_en.text_input(t("field.name_en", lang), max_chars=100, key="person_name_en"),
                  "email": email.text_input(t("field.email", lang), max_chars=200, key="person_email"),
                  "area_id": area.selectbox(t("field.area", lang), [None, *areas], key="person_area",
                                            format_func=lambda i: "—" if i is None else _label(areas[i])),
                  "function": function.selectbox(t("field.function", lang), ("", *rules.FUNCTIONS),
                                                 key="person_function", format_func=_function)}
        if st.form_submit_button(t("admin.add", lang)):
            ui.run_command(store.create_person, {"actor_id": me, **values}, lang, issue_id=None,
                           success=t("admin.saved", lang))
    everyone = {p["id"]: p for p in store.people(include_inactive=True)}
    person_id = st.selectbox(t("admin.edit_person", lang), list(everyone), key="edit_person_pick",
                             format_func=lambda i: _person_name(everyone[i]))
    if person_id is not None:
        person = everyone[person_id]
        with st.form(f"edit_person_{person_id}"):
            name, name_en, email, area, function, active = st.columns([2, 2, 2, 2, 2, 1], vertical_alignment="bottom")
            values = {"name": name.text_input(t("field.name", lang), person["name"], max_chars=100,
                                              key=f"edit_person_name_{person_id}"),
                      "name_en": name_en.text_input(t("field.name_en", lang), person["name_en"], max_chars=100,
                                                    key=f"edit_person_en_{person_id}"),
                      "email": email.text_input(t("field.email", lang), person["email"] or "", max_chars=200,
                                                key=f"edit_person_email_{person_id}"),
                      "area_id": area.selectbox(t("field.area", lang), [None, *areas], key=f"edit_person_area_{person_id}",
                                                index=([None, *areas].index(person["area_id"])
                                                       if person["area_id"] in areas else 0),
                                                format_func=lambda i: "—" if i is None else _label(areas[i])),
                      "function": function.selectbox(t("field.function", lang), ("", *rules.FUNCTIONS),
                                                     index=("", *rules.FUNCTIONS).index(person["function"] or ""),
                                                     key=f"edit_person_function_{person_id}", format_func=_function),
                      "active": active.checkbox(t("admin.active", lang), person["active"],
                                                key=f"edit_person_active_{person_id}")}
            if st.form_submit_button(t("admin.save", lang)):
                ui.run_command(store.update_person, {"actor_id": me, "person_id": person_id, **values}, lang,
                               issue_id=None, success=t("admin.saved", lang))


def category_section() -> None:
    """Sources of issues; a sub-type has a parent. The kind (external / internal) drives the Q-chart and admission."""
    def full_name(category: dict) -> str:
        parent = categories.get(category["parent_id"])
        return rules.category_label(parent and _label(parent), _label(category))
    st.dataframe(pd.DataFrame([{t("field.code", lang): c["code"], t("field.category", lang): full_name(c),
                                t("field.kind", lang): t(f"kind.{c['kind']}", lang)} for c in categories.values()]),
                 hide_index=True, width="stretch")
    with st.form("new_category"):
        st.markdown(f"**{t('admin.new_category', lang)}**")
        code, name_zh, name_en = st.columns(3)
        kind, parent = st.columns(2)
        values = {"code": code.text_input(t("field.code", lang), max_chars=40, key="category_code"),
                  "name_zh": name_zh.text_input(t("field.name_zh", lang), max_chars=100, key="category_name_zh"),
                  "name_en": name_en.text_input(t("field.name_en", lang), max_chars=100, key="category_name_en"),
                  "kind": kind.radio(t("field.kind", lang), store.CATEGORY_KINDS, horizontal=True, key="category_kind",
                                     format_func=lambda k: t(f"kind.{k}", lang)),
                  "parent_id": parent.selectbox(t("admin.parent", lang),
                                                [None, *[i for i, c in categories.items() if c["parent_id"] is None]],
                                                key="category_parent",
                                                format_func=lambda i: "—" if i is None else _label(categories[i]))}
        if st.form_submit_button(t("admin.add", lang)):
            ui.run_command(store.create_category, {"actor_id": me, **values}, lang, issue_id=None,
                           success=t("admin.saved", lang))
    category_id = st.selectbox(t("admin.edit_category", lang), list(categories), key="edit_category_pick",
                               format_func=lambda i: full_name(categories[i]))
    if category_id is not None:
        category = categories[category_id]
        with st.form(f"edit_category_{category_id}"):
            name_zh, name_en, kind = st.columns(3, vertical_alignment="bottom")
            values = {"name_zh": name_zh.text_input(t("field.name_zh", lang), category["name_zh"], max_chars=100,
                                                    key=f"edit_category_zh_{category_id}"),
                      "name_en": name_en.text_input(t("field.name_en", lang), category["name_en"], max_chars=100,
                                                    key=f"edit_category_en_{category_id}"),
                      "kind": kind.radio(t("field.kind", lang), store.CATEGORY_KINDS, horizontal=True,
                                         index=store.CATEGORY_KINDS.index(category["kind"]),
                                         key=f"edit_category_kind_{category_id}",
                                         format_func=lambda k: t(f"kind.{k}", lang))}
            if st.form_submit_button(t("admin.save", lang)):
                ui.run_command(store.update_category, {"actor_id": me, "category_id": category_id, **values}, lang,
                               issue_id=None, success=t("admin.saved", lang))
        response_rules_form(category_id)


def response_rules_form(category_id: int) -> None:
    """The customer response clocks a new issue of this category starts (a sub-type without its own uses its
    parent's); a change applies to issues received from now on, running clocks keep their limit."""
    st.markdown(f"**{t('admin.response_rules', lang)}**")
    st.caption(t("admin.response_help", lang))
    current = store.response_rules(category_id)
    if current:
        st.dataframe(pd.DataFrame([{t("field.code", lang): r["code"], t("field.name_zh", lang): r["name_zh"],
                                    t("field.name_en", lang): r["name_en"],
                                    t("field.limit_minutes", lang): r["limit_minutes"],
                                    t("field.working_time", lang): "✓" if r["working_time"] else "—"} for r in current]),
                     hide_index=True, width="stretch")
    with st.form(f"response_rule_{category_id}"):
        code, name_zh, name_en, limit = st.columns(4, vertical_alignment="bottom")
        values = {"code": code.text_input(t("field.code", lang), max_chars=20, key=f"rule_code_{category_id}"),
                  "name_zh": name_zh.text_input(t("field.name_zh", lang), max_chars=100,
                                                key=f"rule_name_zh_{category_id}"),
                  "name_en": name_en.text_input(t("field.name_en", lang), max_chars=100,
                                                key=f"rule_name_en_{category_id}"),
                  "limit_minutes": limit.number_input(t("field.limit_minutes", lang), step=30, value=120,
                                                      key=f"rule_limit_{category_id}"),
                  "working_time": st.checkbox(t("field.working_time", lang), key=f"rule_working_{category_id}",
                                              help=t("admin.working_time_help", lang))}
        if st.form_submit_button(t("admin.save", lang)):
            ui.run_command(store.set_response_rule, {"actor_id": me, "category_id": category_id, **values}, lang,
                           issue_id=None, success=t("admin.saved", lang))
    own = [r for r in current if r["category_id"] == category_id]
    if own:
        with st.form(f"remove_rule_{category_id}"):
            rule_id = st.selectbox(t("admin.remove_rule", lang), [r["id"] for r in own], key=f"rule_pick_{category_id}",
                                   format_func=lambda i: next(f"{r['code']} · {_label(r)}" for r in own if r["id"] == i))
            if st.form_submit_button(t("admin.remove", lang)):
                ui.run_command(store.remove_response_rule, {"actor_id": me, "rule_id": rule_id}, lang, issue_id=None,
                               success=t("admin.saved", lang))


def rules_section() -> None:
    """The board's rules, each its own form so a refusal names the one that is wrong."""
    current = store.setting_values()
    colour_column, warning_column = st.columns(2)
    with colour_column.form("colour_rule"):
        colour = st.radio(t("field.colour_rule", lang), ("GM", "START"), key="colour_rule",
                          index=("GM", "START").index(current["colour_rule"]),
                          format_func=lambda r: t(f"admin.colour_rule.{r}", lang))
        if st.form_submit_button(t("admin.save", lang)):
            ui.run_command(store.configure, {"actor_id": me, "key": "colour_rule", "value": colour}, lang,
                           issue_id=None, success=t("admin.saved", lang))
    with warning_column.form("warning_window"):
        warning = st.number_input(t("field.warning_days", lang), value=current["warning_days"], step=1,
                                  key="warning_days")
        st.caption(t("admin.warning_help", lang))
        if st.form_submit_button(t("admin.save", lang)):
            ui.run_command(store.configure, {"actor_id": me, "key": "warning_days", "value": int(warning)}, lang,
                           issue_id=None, success=t("admin.saved", lang))
    with st.form("escalation"):
        st.markdown(f"**{t('field.escalation_ladders', lang)}**")
        st.caption(t("admin.ladder_help", lang))
        ladders = {}
        for severity in rules.SEVERITY:
            by_level = {level: days for days, level in current["escalation_ladders"][severity]}
            columns = st.columns(4)
            columns[0].markdown(t(f"severity.{severity}", lang))
            ladders[severity] = [
                (columns[level].number_input(t("admin.level", lang, level=level), value=by_level.get(level), step=1,
                                             key=f"ladder_{severity}_{level}"), level)
                for level in (1, 2, 3)]
        if st.form_submit_button(t("admin.save", lang)):
            value = {s: [[int(days), level] for days, level in ladder if days is not None] for s, ladder in ladders.items()}
            ui.run_command(store.configure, {"actor_id": me, "key": "escalation_ladders", "value": value}, lang,
                           issue_id=None, success=t("admin.saved", lang))
    with st.form("admission"):
        st.markdown(f"**{t('field.admission_rule', lang)}**")
        severities = st.pills(t("admin.admit_severities", lang), rules.SEVERITY, selection_mode="multi",
                              key="admit_severities", default=current["admission_rule"]["severities"],
                              format_func=lambda s: t(f"severity.{s}", lang))
        kinds = st.pills(t("admin.admit_kinds", lang), store.CATEGORY_KINDS, selection_mode="multi", key="admit_kinds",
                         default=current["admission_rule"]["kinds"], format_func=lambda k: t(f"kind.{k}", lang))
        if st.form_submit_button(t("admin.save", lang)):
            ui.run_command(store.configure, {"actor_id": me, "key": "admission_rule",
                                             "value": {"severities": severities, "kinds": kinds}},
                           lang, issue_id=None, success=t("admin.saved", lang))
    qchart_section(current)
    exits_section(current)
    meeting_settings_section(lang, me)


def exits_section(current: dict) -> None:
    """Verified exits, how far an owner moves a target alone, and whether the watch list reports at the meeting."""
    verify_column, watch_column = st.columns(2)
    with verify_column.form("verify_exits_rule"):
        verify = st.checkbox(t("admin.verify_exits", lang), current["verify_exits"], key="verify_exits")
        if st.form_submit_button(t("admin.save", lang)):
            ui.run_command(store.configure, {"actor_id": me, "key": "verify_exits", "value": verify}, lang,
                           issue_id=None, success=t("admin.saved", lang))
    with watch_column.form("watch_list_rule"):
        watch = st.checkbox(t("admin.watch_list_in_meeting", lang), current["watch_list_in_meeting"],
                            key="watch_list_in_meeting")
        if st.form_submit_button(t("admin.save", lang)):
            ui.run_command(store.configure, {"actor_id": me, "key": "watch_list_in_meeting", "value": watch}, lang,
                           issue_id=None, success=t("admin.saved", lang))
    with st.form("move_rule"):
        st.markdown(f"**{t('field.move_rule', lang)}**")
        st.caption(t("admin.move_rule_help", lang))
        moves, red = st.columns(2, vertical_alignment="bottom")
        free_moves = moves.number_input(t("admin.free_moves", lang), value=current["move_rule"]["free_moves"],
                                        step=1, key="free_moves")
        red_needs = red.checkbox(t("admin.red_needs_approval", lang), current["move_rule"]["red_needs_approval"],
                                 key="red_needs_approval")
        if st.form_submit_button(t("admin.save", lang)):
            ui.run_command(store.configure, {"actor_id": me, "key": "move_rule",
                                             "value": {"free_moves": int(free_moves), "red_needs_approval": red_needs}},
                           lang, issue_id=None, success=t("admin.saved", lang))


def qchart_section(current: dict) -> None:
    """Which new issues colour the daily quality status."""
    with st.form("qchart_rule"):
        st.markdown(f"**{t('field.qchart_rule', lang)}**")
        st.caption(t("admin.qchart_help", lang))
        values = {name: st.checkbox(t(f"admin.{name}", lang), current["qchart_rule"][name], key=name)
                  for name in ("external_on_board_only", "internal_on_board_only")}
        if st.form_submit_button(t("admin.save", lang)):
            ui.run_command(store.configure, {"actor_id": me, "key": "qchart_rule", "value": values}, lang,
                           issue_id=None, success=t("admin.saved", lang))


def users_section() -> None:
    """Accounts: who may sign in, with which role; an administrator sets a new password when one is forgotten."""
    accounts = store.accounts()
    st.dataframe(pd.DataFrame([{t("field.username", lang): a["username"], t("field.name", lang): _person_name(a),
                                t("field.email", lang): a["email"] or "", t("field.role", lang): t(f"role.{a['role']}", lang),
                                t("admin.demo_account", lang): "✓" if a["demo"] else ""} for a in accounts]),
                 hide_index=True, width="stretch")
    demo_accounts = sum(a["demo"] for a in accounts)
    if demo_accounts:
        st.warning(t("admin.demo_accounts", lang, count=demo_accounts))
        if st.button(t("admin.delete_demo", lang), key="delete_demo", icon=":material/delete:"):
            ui.run_command(store.delete_demo_accounts, {"actor_id": me}, lang, issue_id=None,
                           success=lambda count: t("admin.demo_deleted", lang, count=count))
    without = [i for i in people if i not in {a["person_id"] for a in accounts}]
    with st.form("new_account"):
        st.markdown(f"**{t('admin.new_account', lang)}**")
        person, username, role, password = st.columns(4)
        values = {"person_id": person.selectbox(t("field.person", lang), without, key="account_person",
                                                format_func=lambda i: _person_name(people[i])),
                  "username": username.text_input(t("field.username", lang), max_chars=60, key="account_username"),
                  "role": role.selectbox(t("field.role", lang), rules.ROLES, key="account_role",
                                         format_func=lambda r: t(f"role.{r}", lang)),
                  "password": password.text_input(t("admin.password_optional", lang), type="password",
                                                  max_chars=200, key="account_password") or None}
        if st.form_submit_button(t("admin.add", lang)):
            ui.run_command(store.create_account, {"actor_id": me, **values}, lang, issue_id=None,
                           success=t("admin.saved", lang))
    names = {a["person_id"]: f"{a['username']} · {_person_name(a)}" for a in accounts}
    role_column, password_column = st.columns(2)
    with role_column.form("account_role"):
        st.markdown(f"**{t('admin.change_role', lang)}**")
        person_id = st.selectbox(t("field.account", lang), list(names), key="role_account", format_func=names.get)
        role = st.selectbox(t("field.role", lang), rules.ROLES, key="role_choice",
                            format_func=lambda r: t(f"role.{r}", lang))
        if st.form_submit_button(t("admin.save", lang)):
            ui.run_command(store.set_role, {"actor_id": me, "person_id": person_id, "role": role}, lang,
                           issue_id=None, success=t("admin.saved", lang))
    with password_column.form("account_password_reset", clear_on_submit=True):
        st.markdown(f"**{t('admin.reset_password', lang)}**")
        person_id = st.selectbox(t("field.account", lang), list(names), key="reset_account", format_func=names.get)
        password = st.text_input(t("admin.new_password", lang), type="password", max_chars=200, key="reset_password")
        if st.form_submit_button(t("admin.reset_password", lang)):
            ui.run_command(store.reset_password, {"actor_id": me, "person_id": person_id, "new_password": password},
                           lang, issue_id=None, success=t("admin.password_reset", lang))


def history_section() -> None:
    """Who changed which configuration, when, from what to what (the audit trail, never edited)."""
    st.dataframe(pd.DataFrame([{t("history.at", lang): e["at"].strftime("%Y-%m-%d %H:%M"),
                                t("history.actor", lang): e["actor_en"] if lang == "en" else e["actor"],
                                t("field.setting", lang): t(f"entity.{e['entity']}", lang),
                                t("history.field", lang): shown_field(e["entity"], e["field"], lang),
                                t("history.old", lang): shown_value(e, "old", lang),
                                t("history.new", lang): shown_value(e, "new", lang),
                                t("history.reason", lang): e["reason"]}
                               for e in store.admin_history()]), hide_index=True, width="stretch")


def notices_tab() -> None:
    notices_section(lang, me, areas, people)


def plants_tab() -> None:
    plants_section(lang, me, plants, areas)


def templates_tab() -> None:
    template_section(lang, me, {tp["id"]: tp for tp in refs["templates"]})


def displays_tab() -> None:
    displays_section(lang, me, areas)


def customers_tab() -> None:
    customers_section(lang, me, categories)
    follow_up_rule_section(lang, me)


names = ("plants", "people", "categories", "customers", "templates", "rules", "users", "notices", "displays", "history")
sections = (plants_tab, people_and_areas, category_section, customers_tab, templates_tab, rules_section, users_section,
            notices_tab, displays_tab, history_section)
for tab, section in zip(st.tabs([t(f"admin.tab.{name}", lang) for name in names]), sections):
    with tab:
        section()
