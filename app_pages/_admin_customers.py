"""The admin page's customers: the customers whose complaints the board tracks, the parts delivered to each per
month (their PPM), each customer's own response rules (they win over the category's) and the follow-up rule."""
from datetime import date

import pandas as pd
import streamlit as st

from app_pages import _shared as ui
from qr import rules, store
from qr.i18n import t


def _name(customer, lang: str) -> str:
    return f"{customer.code} · {(customer.name_en or customer.name_zh) if lang == 'en' else customer.name_zh}"


def customers_section(lang: str, me: int, categories: dict[int, dict]) -> None:
    customers = {c.id: c for c in store.customers()}
    st.caption(t("admin.customers_help", lang))
    if customers:
        st.dataframe(pd.DataFrame([{t("field.code", lang): c.code, t("field.name_zh", lang): c.name_zh,
                                    t("field.name_en", lang): c.name_en, t("field.site", lang): c.site,
                                    t("admin.customer_active", lang): "✓" if c.active else "—"}
                                   for c in customers.values()]), hide_index=True, width="stretch")
    with st.form("new_customer"):
        st.markdown(f"**{t('admin.new_customer', lang)}**")
        code, name_zh, name_en, site = st.columns(4)
        values = {"code": code.text_input(t("field.code", lang), max_chars=20, key="customer_code"),
                  "name_zh": name_zh.text_input(t("field.name_zh", lang), max_chars=100, key="customer_name_zh"),
                  "name_en": name_en.text_input(t("field.name_en", lang), max_chars=100, key="customer_name_en"),
                  "site": site.text_input(t("field.site", lang), max_chars=100, key="customer_site")}
        if st.form_submit_button(t("admin.add", lang)):
            ui.run_command(store.create_customer, {"actor_id": me, **values}, lang, issue_id=None,
                           success=t("admin.saved", lang))
    if not customers:
        return
    customer_id = st.selectbox(t("admin.edit_customer", lang), list(customers), key="edit_customer_pick",
                               format_func=lambda i: _name(customers[i], lang))
    customer = customers[customer_id]
    with st.form(f"edit_customer_{customer_id}"):
        name_zh, name_en, site, active = st.columns(4, vertical_alignment="bottom")
        values = {"name_zh": name_zh.text_input(t("field.name_zh", lang), customer.name_zh, max_chars=100,
                                                key=f"customer_zh_{customer_id}"),
                  "name_en": name_en.text_input(t("field.name_en", lang), customer.name_en, max_chars=100,
                                                key=f"customer_en_{customer_id}"),
                  "site": site.text_input(t("field.site", lang), customer.site, max_chars=100,
                                          key=f"customer_site_{customer_id}"),
                  "active": active.checkbox(t("admin.customer_active", lang), customer.active,
                                            key=f"customer_active_{customer_id}")}
        if st.form_submit_button(t("admin.save", lang)):
            ui.run_command(store.update_customer, {"actor_id": me, "customer_id": customer_id, **values}, lang,
                           issue_id=None, success=t("admin.saved", lang))
    _deliveries_form(lang, me, customer)
    _customer_rules_form(lang, me, customer, categories)


def _deliveries_form(lang: str, me: int, customer) -> None:
    """Parts delivered in a month: the PPM of the month divides the bad parts of its complaints by them."""
    st.markdown(f"**{t('admin.deliveries', lang)}**")
    delivered = store.deliveries()
    own = delivered[delivered["customer_id"] == customer.id]
    if not own.empty:
        st.dataframe(pd.DataFrame({t("field.month", lang): [f"{m:%Y-%m}" for m in own["month"]],
                                   t("field.quantity", lang): own["quantity"].tolist()}), hide_index=True)
    today = store.today()
    with st.form(f"delivery_{customer.id}"):
        year, month, quantity = st.columns(3, vertical_alignment="bottom")
        chosen_year = year.number_input(t("admin.year", lang), min_value=2000, max_value=today.year, value=today.year,
                                        step=1, key=f"delivery_year_{customer.id}")
        chosen_month = month.selectbox(t("field.month", lang), list(range(1, 13)), index=today.month - 1,
                                       key=f"delivery_month_{customer.id}")
        count = quantity.number_input(t("field.quantity", lang), min_value=0, step=1000, value=0,
                                      key=f"delivery_quantity_{customer.id}")
        if st.form_submit_button(t("admin.save", lang)):
            ui.run_command(store.set_delivery, {"actor_id": me, "customer_id": customer.id,
                                                "month": date(int(chosen_year), chosen_month, 1),
                                                "quantity": int(count)}, lang, issue_id=None,
                           success=t("admin.saved", lang))


def _customer_rules_form(lang: str, me: int, customer, categories: dict[int, dict]) -> None:
    """The customer's own response clocks: for one category, or for every category when none is chosen."""
    st.markdown(f"**{t('admin.customer_rules', lang)}**")
    own = [r for r in store.all_response_rules() if r["customer_id"] == customer.id]
    if own:
        st.dataframe(pd.DataFrame([{t("field.category", lang): r["category_code"] or t("admin.every_category", lang),
                                    t("field.code", lang): r["code"], t("field.name_zh", lang): r["name_zh"],
                                    t("field.limit_minutes", lang): r["limit_minutes"],
                                    t("field.working_time", lang): "✓" if r["working_time"] else "—"} for r in own]),
                     hide_index=True, width="stretch")
    external = [c for c in categories.values() if c["kind"] == "external" and c["parent_id"] is None]
    with st.form(f"customer_rule_{customer.id}"):
        scope, code, name_zh, name_en = st.columns(4, vertical_alignment="bottom")
        category_id = scope.selectbox(t("field.category", lang), [None] + [c["id"] for c in external],
                                      key=f"customer_rule_category_{customer.id}",
                                      format_func=lambda i: t("admin.every_category", lang) if i is None else (
                                          categories[i]["name_en"] if lang == "en" else categories[i]["name_zh"]))
        values = {"code": code.text_input(t("field.code", lang), max_chars=20, key=f"customer_rule_code_{customer.id}"),
                  "name_zh": name_zh.text_input(t("field.name_zh", lang), max_chars=100,
                                                key=f"customer_rule_zh_{customer.id}"),
                  "name_en": name_en.text_input(t("field.name_en", lang), max_chars=100,
                                                key=f"customer_rule_en_{customer.id}")}
        limit, working = st.columns(2, vertical_alignment="bottom")
        values["limit_minutes"] = limit.number_input(t("field.limit_minutes", lang), step=30, value=120,
                                                     key=f"customer_rule_limit_{customer.id}")
        values["working_time"] = working.checkbox(t("field.working_time", lang), key=f"customer_rule_working_{customer.id}",
                                                  help=t("admin.working_time_help", lang))
        if st.form_submit_button(t("admin.save", lang)):
            ui.run_command(store.set_response_rule, {"actor_id": me, "customer_id": customer.id,
                                                     "category_id": category_id, **values}, lang, issue_id=None,
                           success=t("admin.saved", lang))


def follow_up_rule_section(lang: str, me: int) -> None:
    """What a "not solved" answer does, and the calls while a customer's complaint is open."""
    current = store.board_settings().follow_up_rule
    st.markdown(f"**{t('admin.follow_up_rule', lang)}**")
    with st.form("follow_up_rule"):
        unsolved, after, every = st.columns(3, vertical_alignment="bottom")
        value = {"unsolved": unsolved.radio(t("admin.unsolved", lang), rules.UNSOLVED_ACTIONS,
                                            index=rules.UNSOLVED_ACTIONS.index(current.unsolved), key="unsolved_action",
                                            format_func=lambda a: t(f"follow_up.unsolved_{a}", lang)),
                 "open_after_days": int(after.number_input(t("admin.open_after_days", lang), min_value=0,
                                                           max_value=rules.MAX_CALL_DAYS, value=current.open_after_days,
                                                           key="open_after_days")),
                 "open_every_days": int(every.number_input(t("admin.open_every_days", lang), min_value=0,
                                                           max_value=rules.MAX_CALL_DAYS, value=current.open_every_days,
                                                           key="open_every_days"))}
        if st.form_submit_button(t("admin.save", lang)):
            ui.run_command(store.configure, {"actor_id": me, "key": "follow_up_rule", "value": value}, lang,
                           issue_id=None, success=t("admin.saved", lang))
