"""回访: call back after closing — every customer issue, and the proposed 30 % sample of the others."""
import streamlit as st

from app_pages import _shared as ui
from qr import rules, store, views
from qr.i18n import literal, t

lang = ui.language_from_url()
counter = store.change_counter()
refs = ui.reference_lists(counter)
me = ui.require_user(lang).person_id
today = store.today()

st.markdown(f"### {t('page.follow_up', lang)}")
st.caption(t("follow.title", lang))
ui.show_flash()
rows = ui.follow_ups(counter, today)
show_all = st.toggle(t("follow.show_all", lang), key="follow_all")
pending = [r for r in rows if r["done_on"] is None and (r["required"] or r["proposed"] or show_all)]
pending.sort(key=lambda r: (not r["overdue"], not r["required"], r["due_on"], r["number"]))

st.markdown(f"#### {t('follow.pending', lang)}")
if not pending:
    st.info(t("follow.none", lang))
else:
    st.html(views.render_follow_ups(pending, lang))


def call_fields(key) -> dict:
    """When the call was made, whom it reached and how: the same for a call after closing and one while open."""
    return {"done_on": st.date_input(t("follow.col.done_on", lang), value=today, key=f"follow_on_{key}",
                                     format="YYYY-MM-DD"),
            "contact": st.text_input(t("field.contact", lang), key=f"contact_{key}", max_chars=100),
            "channel": st.radio(t("field.channel", lang), rules.FOLLOW_UP_CHANNELS, horizontal=True,
                                key=f"channel_{key}", format_func=lambda c: t(f"follow.channel.{c}", lang))}


def score_radios(key, *, required: bool) -> dict:
    """Overall satisfaction 1–5, then response speed, solving ability and attitude (left empty: as the overall)."""
    scores = {"satisfaction": st.radio(t("month.col.satisfaction", lang), (5, 4, 3, 2, 1), horizontal=True,
                                       key=f"satisfaction_{key}")}
    for name in ("speed", "solving", "attitude"):
        scores[name] = st.radio(t(f"month.col.{name}", lang), (5, 4, 3, 2, 1), horizontal=True,
                                index=0 if required else None, key=f"{name}_{key}")
    return scores


def follow_up_form(row: dict) -> None:
    """One call: when, whom, how, solved or not, satisfaction 1–5, remarks."""
    key = row["id"]
    version = ui.loaded_version(row["issue_id"], row["version"])
    with st.form(f"follow_up_form_{key}"):
        call = call_fields(key)
        solved = st.radio(t("field.solved", lang), (True, False), horizontal=True, key=f"solved_{key}",
                          format_func=lambda s: t(f"follow.solved.{str(s).lower()}", lang))
        scores = score_radios(key, required=False)
        remarks = st.text_area(t("field.remarks", lang), key=f"remarks_{key}", max_chars=2000, height=80)
        submitted = st.form_submit_button(t("follow.record", lang), type="primary", width="stretch")
    if submitted:
        ui.run_command(store.record_follow_up,
                       {"actor_id": me, "follow_up_id": key, **call, "solved": solved, **scores, "remarks": remarks,
                        "expected_version": version},
                       lang, issue_id=row["issue_id"], success=t("follow.saved", lang, number=row["number"]))


for row in pending:
    with st.expander(f'{row["number"]} · {literal(row["description"][:30])} · {t("follow.col.due_on", lang)} '
                     f'{row["due_on"].isoformat()}{" ⚠" if row["overdue"] else ""}',
                     expanded=len(pending) == 1):
        follow_up_form(row)

calls_due = store.open_calls_due(on=today)
if calls_due:
    st.markdown(f"#### {t('follow.while_open_due', lang)}")
    st.caption(t("follow.while_open_help", lang))
for row in calls_due:
    last = row["last_call_on"].isoformat() if row["last_call_on"] else "—"
    with st.expander(f'{row["number"]} · {literal(row["customer"])} · {literal(row["description"][:30])} · '
                     f'{t("follow.last_call", lang)} {last}'):
        key = f"open_{row['issue_id']}"
        with st.form(f"open_call_form_{row['issue_id']}"):
            call = call_fields(key)
            scores = score_radios(key, required=True)
            remarks = st.text_area(t("field.remarks", lang), key=f"remarks_{key}", max_chars=2000, height=80)
            submitted = st.form_submit_button(t("follow.record", lang), type="primary", width="stretch")
        if submitted:
            ui.run_command(store.record_open_call,
                           {"actor_id": me, "issue_id": row["issue_id"], **call, **scores, "remarks": remarks,
                            "expected_version": ui.loaded_version(row["issue_id"], row["version"])},
                           lang, issue_id=row["issue_id"], success=t("follow.saved", lang, number=row["number"]))

done = [r for r in rows if r["done_on"] is not None]
if done:
    st.markdown(f"#### {t('follow.done_list', lang)}")
    st.html(views.render_follow_ups(done, lang))
