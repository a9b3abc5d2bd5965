"""The update page's forms for customers' and suppliers' complaints: who the complaint is about (new issue and
details), the supplier's 8D and charge-back, the disposition (valid or not, whose responsibility) and the
customer's acceptance that closes a customer's complaint."""
from datetime import date

import pandas as pd
import streamlit as st

from app_pages import _shared as ui
from qr import rules, store
from qr.i18n import t

COMPLAINT_KINDS = ("external", "supplier")          # the kinds of category that are judged valid or not


@st.cache_data(show_spinner=False, max_entries=4)
def active_customers(change_counter: tuple[int, int]) -> dict[int, dict]:
    """The customers a complaint can name (a retired one is offered for none), by id."""
    return {c.id: c.model_dump() for c in store.customers(active_only=True)}


def customer_label(customer: dict, lang: str) -> str:
    """'SGM 上汽通用': the code people say, then the name."""
    name = (customer["name_en"] or customer["name_zh"]) if lang == "en" else customer["name_zh"]
    return f'{customer["code"]} {name}'


def _known(value):
    """A record's value, or None while unknown: a frame holds a missing quantity as NaN (a known one as a float) and
    may hold a missing date as NaT."""
    return None if value is None or pd.isna(value) else value


def _customer_select(customers: dict[int, dict], lang: str, *, key: str, current: int | None = None) -> int | None:
    ids = list(customers)
    return st.selectbox(t("field.customer", lang), ids, index=ids.index(current) if current in customers else None,
                        format_func=lambda i: customer_label(customers[i], lang), key=key,
                        placeholder=t("complaint.choose", lang))


def _defect_quantity(lang: str, *, key: str, current: int | None = None) -> int | None:
    return st.number_input(t("field.defect_quantity", lang), min_value=0, step=1, value=current, key=key)


def party_fields(kind: str, counter: tuple[int, int], lang: str) -> dict:
    """Inside the new issue form: the customer (once the plant keeps customers) and the bad parts of a customer's
    complaint, the supplier and the bad parts of a supplier issue; nothing for an internal one."""
    if kind == "external":
        customers = active_customers(counter)
        customer_id = _customer_select(customers, lang, key="new_customer") if customers else None
        return {"customer_id": customer_id, "defect_quantity": _defect_quantity(lang, key="new_defect_quantity")}
    if kind == "supplier":
        supplier = st.text_input(t("field.supplier", lang), max_chars=100, key="new_supplier")
        return {"supplier": supplier, "defect_quantity": _defect_quantity(lang, key="new_defect_quantity")}
    return {}


def details_form(issue: dict, version: int, counter: tuple[int, int], *, lang: str, me: int, today: date) -> None:
    """An open customer's complaint: whose it is and how many bad parts; a supplier issue: the supplier, when its 8D
    was asked for, whether the cost is charged back, and the bad parts."""
    key, kind = issue["id"], issue["category_kind"]
    if kind not in COMPLAINT_KINDS or issue["closed_on"] is not None:
        return
    arguments = {"actor_id": me, "issue_id": key, "expected_version": version}
    quantity = None if _known(issue["defect_quantity"]) is None else int(issue["defect_quantity"])
    with st.form(f"complaint_form_{key}"):
        if kind == "external":
            st.markdown(f"**{t('complaint.details', lang)}**")
            customers = active_customers(counter)
            customer_id = _customer_select(customers, lang, key=f"customer_{key}", current=issue["customer_id"]) \
                if customers else None
            defects = _defect_quantity(lang, key=f"defects_{key}", current=quantity)
            command, values = store.set_complaint_details, {"customer_id": customer_id, "defect_quantity": defects}
        else:
            st.markdown(f"**{t('complaint.supplier_actions', lang)}**")
            supplier = st.text_input(t("field.supplier", lang), value=issue["supplier"] or "", max_chars=100,
                                     key=f"supplier_{key}")
            requested_on = st.date_input(t("field.supplier_8d_requested_on", lang),
                                         value=_known(issue["supplier_8d_requested_on"]),
                                         key=f"supplier_8d_{key}", format="YYYY-MM-DD", max_value=today)
            charge_back = st.checkbox(t("field.charge_back", lang), value=bool(issue["charge_back"]),
                                      key=f"charge_back_{key}")
            defects = _defect_quantity(lang, key=f"defects_{key}", current=quantity)
            command, values = store.set_supplier_actions, {
                "supplier": supplier, "supplier_8d_requested_on": requested_on, "charge_back": charge_back,
                "defect_quantity": defects}
        submitted = st.form_submit_button(t("complaint.save_details" if kind == "external" else
                                            "complaint.save_supplier", lang), width="stretch")
    if submitted:
        ui.run_command(command, {**arguments, **values}, lang, issue_id=key,
                       success=t("update.saved", lang, number=issue["number"]))


def disposition_form(issue: dict, version: int, *, lang: str, me: int) -> None:
    """The facilitator's 判定 of a customer's or supplier's complaint: valid or not, whose responsibility, why. Not
    valid closes it at once as such; a complaint closed that way comes back open when judged valid."""
    key = issue["id"]
    if issue["category_kind"] not in COMPLAINT_KINDS or (issue["closed_on"] is not None and not issue["cancelled"]):
        return
    current, responsible = issue["disposition"] or None, issue["responsibility"] or None
    with st.form(f"disposition_form_{key}"):
        st.markdown(f"**{t('complaint.disposition', lang)}**")
        disposition = st.radio(t("field.disposition", lang), rules.DISPOSITIONS, horizontal=True,
                               index=rules.DISPOSITIONS.index(current) if current else None,
                               format_func=lambda d: t(f"disposition.{d}", lang), key=f"disposition_{key}")
        responsibility = st.selectbox(t("field.responsibility", lang), rules.RESPONSIBILITIES,
                                      index=rules.RESPONSIBILITIES.index(responsible) if responsible else None,
                                      format_func=lambda r: t(f"responsibility.{r}", lang),
                                      placeholder=t("complaint.choose", lang), key=f"responsibility_{key}")
        reason = st.text_input(t("field.disposition_reason", lang), value=issue["disposition_reason"] or "",
                               max_chars=500, key=f"disposition_reason_{key}")
        if issue["closed_on"] is None:
            st.warning(t("complaint.invalid_closes", lang), icon=":material/warning:")
        else:
            st.caption(t("complaint.valid_reopens", lang))
        submitted = st.form_submit_button(t("complaint.judge", lang), width="stretch")
    if submitted:
        ui.run_command(store.judge_complaint,
                       {"actor_id": me, "issue_id": key, "disposition": disposition or "", "reason": reason,
                        "responsibility": responsibility or "", "expected_version": version},
                       lang, issue_id=key,
                       success=lambda judged: t("complaint.judged_invalid" if judged.disposition == "invalid"
                                                else "complaint.judged_valid", lang, number=issue["number"]))


def _acceptance_inputs(key: int, lang: str) -> dict:
    by_column, how_column = st.columns(2)
    accepted_by = by_column.text_input(t("field.accepted_by", lang), max_chars=100, key=f"accepted_by_{key}")
    accepted_how = how_column.selectbox(t("field.accepted_how", lang), rules.ACCEPTANCE_CHANNELS, index=None,
                                        format_func=lambda h: t(f"accept_how.{h}", lang),
                                        placeholder=t("complaint.choose", lang), key=f"accepted_how_{key}")
    return {"accepted_by": accepted_by, "accepted_how": accepted_how or ""}


def acceptance_fields(issue: dict, lang: str) -> dict:
    """Inside the close form of a customer's complaint: who accepted the solution and how. Left empty, closing
    makes the complaint wait for the customer's acceptance."""
    st.caption(t("complaint.acceptance_hint", lang))
    return _acceptance_inputs(issue["id"], lang)


def acceptance_form(issue: dict, version: int, *, lang: str, me: int, today: date) -> None:
    """A complaint done and waiting for the customer: its state, and the acceptance (day, who, how) that closes it."""
    key = issue["id"]
    st.info(t("complaint.awaiting", lang), icon=":material/hourglass_top:")
    with st.form(f"acceptance_form_{key}"):
        st.markdown(f"**{t('complaint.record_acceptance', lang)}**")
        accepted_on = st.date_input(t("field.accepted_on", lang), value=today, max_value=today,
                                    key=f"accepted_on_{key}", format="YYYY-MM-DD")
        acceptance = _acceptance_inputs(key, lang)
        submitted = st.form_submit_button(t("complaint.save_acceptance", lang), type="primary", width="stretch")
    if submitted:
        ui.run_command(store.record_acceptance, {"actor_id": me, "issue_id": key, "accepted_on": accepted_on,
                                                 "expected_version": version, **acceptance},
                       lang, issue_id=key, success=t("complaint.accepted", lang, number=issue["number"]))
    with st.form(f"rejection_form_{key}"):
        st.markdown(f"**{t('complaint.record_rejection', lang)}**")
        refused_by = st.text_input(t("field.refused_by", lang), key=f"refused_by_{key}", max_chars=100)
        reason = st.text_area(t("field.refusal_reason", lang), key=f"refusal_reason_{key}", max_chars=500, height=80)
        refused = st.form_submit_button(t("complaint.save_rejection", lang), width="stretch")
    if refused:
        ui.run_command(store.record_rejection, {"actor_id": me, "issue_id": key, "refused_by": refused_by,
                                                "reason": reason, "expected_version": version},
                       lang, issue_id=key, success=t("complaint.rejected", lang, number=issue["number"]))
