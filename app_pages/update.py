"""Owners and leads update their issues before the meeting: steps, next report date, evidence, close."""
from datetime import datetime

import streamlit as st

from app_pages import _complaint_forms as complaint_forms
from app_pages import _shared as ui
from qr import lesson_views, rules, store, views
from qr.config import load_settings
from qr.i18n import literal, literal_t, t

ACTIONS = ("complete", "countermeasure", "worse", "na", "move_target")

lang = ui.language_from_url()
counter = store.change_counter()
refs = ui.reference_lists(counter)
user = ui.require_user(lang)
me = user.person_id
today = store.today()
settings = store.board_settings()
start_rule = settings.colour_rule == rules.ColourRule.START
verified_exits = settings.verify_exits and not rules.allowed(user.role, "verify_exit")


def _label(record: dict, key: str) -> str:
    return record[f"{key}_en"] if lang == "en" else record[f"{key}_zh"]


def countermeasure_first_form(issue: dict, version: int) -> None:
    """Red steps without a countermeasure come first: the owner says what is being done before anything else."""
    missing = [s for s in sorted(issue["steps"].values(), key=lambda s: s["position"]) if s["no_countermeasure"]]
    if not missing:
        return
    key = issue["id"]
    labels = {s["id"]: f'{views.LETTER[s["status"].value]} · {_label(s, "name")}' for s in missing}
    with st.form(f"countermeasure_first_{key}"):
        st.warning(f'{t("update.countermeasure_first", lang)}: {"、".join(literal(v) for v in labels.values())}',
                   icon=":material/priority_high:")
        step_id = st.selectbox(t("update.step", lang), list(labels), format_func=labels.get, key=f"first_step_{key}")
        text = st.text_area(t("step.countermeasure", lang), key=f"first_text_{key}", max_chars=2000, height=80)
        submitted = st.form_submit_button(t("update.save_countermeasure", lang), type="primary", width="stretch")
    if submitted:
        ui.run_command(store.set_countermeasure, {"actor_id": me, "step_id": step_id, "countermeasure": text,
                                                  "expected_version": version},
                       lang, issue_id=key, success=t("update.saved", lang, number=issue["number"]))


def step_form(issue: dict, version: int) -> None:
    """One form per issue: pick a step and what happened to it; the default is 'completed today' (with its
    evidence, when the plant verifies exits and the person is not the quality engineer)."""
    open_steps = [s for s in sorted(issue["steps"].values(), key=lambda s: s["position"]) if s["state"] == "open"]
    if not open_steps:
        return
    labels = {s["id"]: f'{views.LETTER[s["status"].value]}{" ✓?" if s["to_verify"] else ""} · {_label(s, "name")}'
              for s in open_steps}
    key = issue["id"]
    startable = start_rule and any(s["started_on"] is None for s in open_steps)   # START: red until started
    actions = (ACTIONS[0], "start", *ACTIONS[1:]) if startable else ACTIONS
    with st.form(f"step_form_{key}"):
        step_id = st.selectbox(t("update.step", lang), list(labels), format_func=labels.get, key=f"step_{key}")
        action = st.radio(t("update.action", lang), actions, horizontal=True, key=f"action_{key}",
                          format_func=lambda a: t(f"update.action.{a}", lang))
        day = st.date_input(t("update.date_start" if startable else "update.date", lang), value=today,
                            key=f"date_{key}", format="YYYY-MM-DD")
        evidence = st.text_input(t("update.evidence", lang), key=f"evidence_{key}", max_chars=2000,
                                 help=t("update.evidence_hint", lang) if verified_exits else None)
        countermeasure = st.text_area(t("step.countermeasure", lang), key=f"text_{key}", max_chars=2000, height=80)
        reason = st.text_input(t("history.reason", lang), key=f"reason_{key}", max_chars=500)
        submitted = st.form_submit_button(t("update.save", lang), type="primary", width="stretch")
    if submitted:
        command, arguments = {
            "complete": (store.complete_step, {"done_on": day, "evidence": evidence}),
            "start": (store.start_step, {"started_on": day}),
            "countermeasure": (store.set_countermeasure, {"countermeasure": countermeasure}),
            "worse": (store.mark_step_worse, {"reason": reason, "countermeasure": countermeasure}),
            "na": (store.mark_step_na, {"reason": reason}),
            "move_target": (store.move_target, {"target_on": day, "reason": reason}),
        }[action]
        saved = t("update.saved", lang, number=issue["number"])
        requested = t("update.move_requested", lang, number=issue["number"])
        ui.run_command(command, {"actor_id": me, "step_id": step_id, "expected_version": version, **arguments},
                       lang, issue_id=key, success=lambda result: requested if getattr(
                           result, "move_requested_on", None) and action == "move_target" else saved)


def next_report_form(issue: dict, version: int) -> None:
    key = issue["id"]
    with st.form(f"next_report_form_{key}"):
        next_report = st.date_input(t("col.next_report", lang), value=max(issue["next_report_on"] or today, today),
                                    key=f"next_{key}", format="YYYY-MM-DD")
        submitted = st.form_submit_button(t("update.save_next_report", lang), width="stretch")
    if submitted:
        ui.run_command(store.set_next_report, {"actor_id": me, "issue_id": key, "next_report_on": next_report,
                                               "expected_version": version},
                       lang, issue_id=key, success=t("update.saved", lang, number=issue["number"]))


def files_form(issue: dict, version: int) -> None:
    """Evidence and the 8D/PPSR report, stored in the database; downloads load the bytes only when asked."""
    key = issue["id"]
    ui.download_buttons(issue, lang, counter)
    with st.form(f"files_form_{key}", clear_on_submit=True):
        kind = st.radio(t("update.kind", lang), ("report", "evidence"), horizontal=True, key=f"kind_{key}",
                        format_func=lambda k: t(f"update.kind.{k}", lang))
        steps = {s["id"]: _label(s, "name") for s in sorted(issue["steps"].values(), key=lambda s: s["position"])}
        step_id = st.selectbox(t("update.for_step", lang), [None, *steps], key=f"file_step_{key}",
                               format_func=lambda i: t("update.whole_issue", lang) if i is None else steps[i])
        upload = st.file_uploader(t("update.file", lang), type=["pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx",
                                                                "png", "jpg", "jpeg"], key=f"file_{key}",
                                  max_upload_size=load_settings().max_upload_mb)
        submitted = st.form_submit_button(t("update.upload", lang), width="stretch")
    if submitted:
        ui.run_command(store.attach_file, {"actor_id": me, "issue_id": key, "kind": kind, "expected_version": version,
                                           "step_id": step_id,
                                           "file_name": upload.name if upload else "",
                                           "content": upload.getvalue() if upload else b""},
                       lang, issue_id=key, success=t("update.saved", lang, number=issue["number"]))


def _plant_moment(day, clock_time) -> datetime | None:
    """A day and a time picked on the page, read on the plant's clock (QR_TZ), whatever the browser's zone."""
    if day is None or clock_time is None:
        return None
    return datetime.combine(day, clock_time, tzinfo=load_settings().tz)


def response_form(issue: dict, version: int) -> None:
    """Record who answered the customer, when and how: that stops the clock."""
    running = [c for c in issue["clocks"] if c["responded_at"] is None]
    if not running:
        return
    key = issue["id"]
    now = store.now()
    labels = {c["id"]: f'{_label(c, "name")} · {views.clock_text(c, now, lang)}' for c in running}
    people = {p["id"]: (p["name_en"] or p["name"]) if lang == "en" else p["name"] for p in refs["people"]}
    local_now = now.astimezone(load_settings().tz)
    with st.form(f"response_form_{key}"):
        st.markdown(f"**{t('update.response', lang)}**")
        clock_id = st.selectbox(t("update.response_clock", lang), list(labels), format_func=labels.get,
                                key=f"clock_{key}")
        day_column, time_column = st.columns(2)
        day = day_column.date_input(t("update.responded_day", lang), value=local_now.date(), key=f"responded_day_{key}",
                                    format="YYYY-MM-DD")
        clock_time = time_column.time_input(t("update.responded_time", lang), value=local_now.time().replace(
            second=0, microsecond=0), key=f"responded_time_{key}", step=300)
        responder = st.selectbox(t("update.responded_by", lang), list(people), index=list(people).index(me),
                                 format_func=people.get, key=f"responded_by_{key}")
        how = st.text_input(t("update.response_how", lang), key=f"response_how_{key}", max_chars=500)
        submitted = st.form_submit_button(t("update.save_response", lang), width="stretch")
    if submitted:
        ui.run_command(store.record_response, {"actor_id": me, "clock_id": clock_id,
                                               "responded_at": _plant_moment(day, clock_time),
                                               "responded_by_id": responder, "how": how,
                                               "expected_version": version},
                       lang, issue_id=key, success=t("update.saved", lang, number=issue["number"]))


def close_form(issue: dict, version: int) -> None:
    """Close (solved), cancel (not valid or a duplicate, today) or reopen, each with its reason. A customer's
    complaint closes with the customer's acceptance; without it, it waits for it, and only the acceptance closes
    it then."""
    key = issue["id"]
    closing = issue["closed_on"] is None
    if closing and issue["awaiting_acceptance"]:
        complaint_forms.acceptance_form(issue, version, lang=lang, me=me, today=today)
        return
    with st.form(f"close_form_{key}"):
        day = st.date_input(t("col.closed", lang), value=today, key=f"closed_on_{key}", format="YYYY-MM-DD",
                            disabled=not closing)
        reason = st.text_input(t("history.reason", lang), key=f"close_reason_{key}", max_chars=500)
        acceptance = complaint_forms.acceptance_fields(issue, lang) \
            if closing and issue["category_kind"] == "external" else {}
        submitted = st.form_submit_button(t("update.close" if closing else "update.reopen", lang), width="stretch")
        cancelled = closing and st.form_submit_button(t("update.cancel", lang), width="stretch",
                                                      key=f"cancel_{key}")
    arguments = {"actor_id": me, "issue_id": key, "reason": reason, "expected_version": version}
    if cancelled:
        ui.run_command(store.cancel_issue, arguments, lang, issue_id=key,
                       success=t("update.cancelled", lang, number=issue["number"]))
    elif submitted and closing:
        ui.run_command(store.close_issue, {**arguments, "closed_on": day, **acceptance}, lang, issue_id=key,
                       success=lambda closed: t("update.closed" if closed.closed_on else "complaint.awaiting_saved",
                                                lang, number=issue["number"]))
    elif submitted:
        ui.run_command(store.reopen_issue, arguments, lang, issue_id=key,
                       success=t("update.reopened", lang, number=issue["number"]))


EAGER_PROPOSALS = 10    # with more panels than this on the page, each looks for similar past issues when asked


def repeats_form(issue: dict, version: int, eager: bool) -> None:
    """Similar past issues proposed for an issue nobody has judged yet: the owner links the one it repeats, or
    says none is the same problem; a linked repeat shows what it repeats, and the link can be undone. A long list
    of panels (a facilitator's, an import's) looks them up only for the panel asked."""
    key = issue["id"]
    if issue["repeat_of"]:
        left, right = st.columns([3, 1])
        left.caption(literal_t("repeat.of", lang, number=issue["repeat_of"]))
        if right.button(t("repeat.undo", lang), key=f"unlink_{key}"):
            ui.run_command(store.dismiss_repeats, {"actor_id": me, "issue_id": key, "expected_version": version},
                           lang, issue_id=key, success=t("repeat.dismissed", lang, number=issue["number"]))
        return
    if issue["repeat_checked"]:
        return
    asked = f"repeats_asked_{key}"
    if not (eager or st.session_state.get(asked)):
        st.button(t("repeat.look", lang), key=f"look_{key}", icon=":material/history:",
                  on_click=st.session_state.__setitem__, args=(asked, True))
        return
    proposals = ui.similar_issues(counter, key)
    if not proposals:
        return
    st.warning(t("repeat.proposed", lang), icon=":material/history:")
    st.html(lesson_views.render_repeat_proposals(proposals, lang))
    with st.form(f"repeat_form_{key}"):
        chosen = st.selectbox(t("repeat.choose", lang), [p["number"] for p in proposals], key=f"repeat_of_{key}")
        left, right = st.columns(2)
        linked = left.form_submit_button(t("repeat.link", lang), type="primary", width="stretch")
        dismissed = right.form_submit_button(t("repeat.dismiss", lang), width="stretch")
    arguments = {"actor_id": me, "issue_id": key, "expected_version": version}
    if linked:
        ui.run_command(store.link_repeat, {**arguments, "repeat_of_number": chosen}, lang, issue_id=key,
                       success=t("repeat.linked", lang, number=issue["number"], repeat_of=chosen))
    elif dismissed:
        ui.run_command(store.dismiss_repeats, arguments, lang, issue_id=key,
                       success=t("repeat.dismissed", lang, number=issue["number"]))


def read_across_form(issue: dict, version: int) -> None:
    """横向展开 as a checklist: the targets with their owners and due dates, a form to add one (proposals from the
    part family and process first) and a form to check one off as done (with evidence) or N/A (with the reason)."""
    step = issue["steps"].get(store.READ_ACROSS_STEP)
    if step is None:
        return
    key = issue["id"]
    targets, proposals = ui.read_across(counter, key)
    st.markdown(f"**{t('readacross.title', lang)}**")
    st.caption(t("readacross.help", lang))
    st.html(lesson_views.render_read_across(targets, lang))
    if issue["closed_on"] is not None:
        return
    people = {p["id"]: (p["name_en"] or p["name"]) if lang == "en" else p["name"] for p in refs["people"]}
    arguments = {"actor_id": me, "expected_version": version}
    if step["state"] == "open":
        offered = {n: p for n, p in enumerate(proposals)}
        with st.form(f"read_across_add_{key}", clear_on_submit=True):
            proposal = st.selectbox(t("readacross.proposal", lang), [None, *offered], key=f"ra_proposal_{key}",
                                    format_func=lambda n: t("readacross.proposal.own", lang) if n is None else
                                    f'{t("readacross.kind." + offered[n]["kind"], lang)} · {offered[n]["target"]} · '
                                    f'{t("readacross.why." + offered[n]["why"], lang)}')
            kind_column, target_column = st.columns([1, 2])
            kind = kind_column.selectbox(t("readacross.kind", lang), store.TARGET_KINDS, key=f"ra_kind_{key}",
                                         format_func=lambda k: t(f"readacross.kind.{k}", lang))
            target = target_column.text_input(t("readacross.target", lang), max_chars=200, key=f"ra_target_{key}")
            owner_column, due_column = st.columns(2)
            owner = owner_column.selectbox(t("readacross.owner", lang), list(people), format_func=people.get,
                                           index=list(people).index(issue["owner_id"]) if issue["owner_id"] in people
                                           else 0, key=f"ra_owner_{key}")
            due = due_column.date_input(t("readacross.due", lang), value=max(step["target_on"], today),
                                        key=f"ra_due_{key}", format="YYYY-MM-DD")
            added = st.form_submit_button(t("readacross.add", lang), width="stretch")
        if added:
            picked = offered.get(proposal)
            ui.run_command(store.add_read_across_target,
                           {**arguments, "issue_id": key, "kind": picked["kind"] if picked else kind,
                            "target": picked["target"] if picked else target, "owner_id": owner, "due_on": due},
                           lang, issue_id=key, success=t("readacross.added", lang, number=issue["number"]))
    open_targets = {target["id"]: target for target in targets if target["state"] == "open"}
    if not open_targets:
        return
    with st.form(f"read_across_settle_{key}"):
        target_id = st.selectbox(t("readacross.settle_target", lang), list(open_targets), key=f"ra_settle_{key}",
                                 format_func=lambda i: f'{t("readacross.kind." + open_targets[i]["kind"], lang)} · '
                                                       f'{open_targets[i]["target"]}')
        outcome = st.radio(t("readacross.settle_as", lang), ("done", "na"), horizontal=True, key=f"ra_state_{key}",
                           format_func=lambda s: t(f"readacross.state.{s}", lang))
        evidence = st.text_input(t("readacross.evidence", lang), max_chars=2000, key=f"ra_evidence_{key}")
        settled_on = st.date_input(t("readacross.settled_on", lang), value=today, key=f"ra_on_{key}",
                                   format="YYYY-MM-DD")
        settled = st.form_submit_button(t("readacross.settle", lang), width="stretch")
    if settled:
        ui.run_command(store.settle_read_across_target,
                       {**arguments, "target_id": target_id, "state": outcome, "evidence": evidence,
                        "settled_on": settled_on},
                       lang, issue_id=key, success=t("readacross.settled", lang, number=issue["number"]))


def issue_panel(issue: dict) -> None:
    version = ui.loaded_version(issue["id"], issue["version"])
    stale_issues = st.session_state.setdefault("stale_issues", set())
    overdue = f" ⚠ {t('cell.report_overdue', lang)}" if issue["report_overdue"] else ""
    next_report = issue["next_report_on"].strftime("%m-%d") if issue["next_report_on"] else "—"
    summary = issue["description"] if len(issue["description"]) <= 24 else issue["description"][:23] + "…"
    marks = "".join(f" · {t(mark, lang)}" for mark, shown in (("mark.awaiting", issue["awaiting_acceptance"]),
                                                              ("mark.unsolved", issue["unsolved_flag"])) if shown)
    title = (f'{issue["overall"]} · {issue["number"]} · {literal(summary)} · {t("col.next_report", lang)} '
             f'{next_report}{overdue}{marks}')
    keep_open = issue["id"] in stale_issues or issue["id"] == st.session_state.get("last_saved_issue")
    with st.expander(title, expanded=keep_open or len(shown) == 1):
        reload_slot = st.container()
        st.html(views.paragraph(issue["description"]))
        st.html(views.render_step_list(sorted(issue["steps"].values(), key=lambda s: s["position"]), lang))
        if issue["clocks"]:
            st.html(views.render_clocks(issue, store.now(), lang, load_settings().tz))
        if issue["closed_on"] is None:
            repeats_form(issue, version, eager=keep_open or len(shown) <= EAGER_PROPOSALS)
            response_form(issue, version)
            countermeasure_first_form(issue, version)
            step_form(issue, version)
            next_report_form(issue, version)
            complaint_forms.details_form(issue, version, counter, lang=lang, me=me, today=today)
        read_across_form(issue, version)
        files_form(issue, version)
        if rules.allowed(user.role, "close_issue"):
            complaint_forms.disposition_form(issue, version, lang=lang, me=me)
            close_form(issue, version)
        if issue["id"] in stale_issues:          # filled after the forms: a refusal in this run shows it at once
            reload_slot.button(t("update.reload", lang), key=f"reload_{issue['id']}", icon=":material/refresh:",
                               on_click=_reload, args=(issue["id"], issue["version"]))


def _reload(issue_id: int, current_version: int) -> None:
    ui.reload_issue(issue_id, current_version)
    st.session_state["stale_issues"].discard(issue_id)


def new_issue_form() -> None:
    categories = {c["id"]: c for c in refs["categories"]}
    def full_name(ident: int) -> str:
        category = categories[ident]
        parent = categories.get(category["parent_id"])
        return rules.category_label(parent and _label(parent, "name"), _label(category, "name"))
    areas = {a["id"]: _label(a, "name") for a in refs["areas"]}
    people = {p["id"]: (p["name_en"] or p["name"]) if lang == "en" else p["name"] for p in refs["people"]}
    templates = {tp["id"]: tp for tp in refs["templates"]}
    # outside the form: choosing it redraws the form with what the category's kind asks (customer, supplier)
    category = st.selectbox(t("col.category", lang), list(categories), format_func=full_name, key="new_category")
    with st.form("new_issue"):
        description = st.text_area(t("col.description", lang), max_chars=store.DESCRIPTION_MAX, key="new_description")
        party = complaint_forms.party_fields(categories[category]["kind"], counter, lang)
        area = st.selectbox(t("col.area", lang), list(areas), format_func=areas.get, key="new_area")
        part = st.text_input(t("col.part", lang), max_chars=100, key="new_part")
        severity = st.radio(t("col.severity", lang), ("A", "B", "C"), horizontal=True, key="new_severity",
                            format_func=lambda s: t(f"severity.{s}", lang))
        owner = st.selectbox(t("col.owner", lang), list(people), index=list(people).index(me),
                             format_func=people.get, key="new_owner")
        lead = st.selectbox(t("col.lead", lang), list(people), format_func=people.get, key="new_lead")
        opened = st.date_input(t("col.opened", lang), value=today, key="new_opened", format="YYYY-MM-DD")
        received_day, received_time = st.columns(2)
        local_now = store.now().astimezone(load_settings().tz)
        received_on = received_day.date_input(t("update.received_day", lang), value=local_now.date(),
                                              key="new_received_day", format="YYYY-MM-DD",
                                              help=t("update.received_hint", lang))
        received_clock = received_time.time_input(t("update.received_time", lang),
                                                  value=local_now.time().replace(second=0, microsecond=0),
                                                  key="new_received_time", step=300)
        next_report = st.date_input(t("col.next_report", lang), value=today, key="new_next_report",
                                    format="YYYY-MM-DD")
        template = st.selectbox(t("update.template", lang), [None, *templates], key="new_template",
                                format_func=lambda i: t("update.template.auto", lang) if i is None
                                else _label(templates[i], "name"))
        submitted = st.form_submit_button(t("update.create", lang), type="primary", width="stretch")
    if submitted:
        template_id = template or next((i for i, tp in templates.items() if tp["severity"] == severity),
                                       next(iter(templates)))
        ui.run_command(store.create_issue, {"actor_id": me, "description": description, "category_id": category,
                                            "area_id": area, "severity": severity, "owner_id": owner,
                                            "lead_id": lead, "opened_on": opened, "next_report_on": next_report,
                                            "template_id": template_id, "part_number": part, **party,
                                            "received_at": _plant_moment(received_on, received_clock)
                                            if category in store.categories_with_response_rules() else None},
                       lang, issue_id=None, success=created)


def created(issue) -> str:
    """The new issue's panel opens on the next run, with the similar past issues proposed for it, and the message
    says there are some: the first minute is when a repeat is cheapest to catch."""
    st.session_state["last_saved_issue"] = issue.id
    similar = len(store.similar_issues(issue.id))
    if similar:
        return t("update.created_similar", lang, number=issue.number, count=similar)
    return t("update.created", lang, number=issue.number)


def _show_all() -> None:
    del st.query_params["no"]


def review_tab() -> None:
    """The quality engineer's desk: each step an owner says is done, with its evidence, to verify against the exit
    criterion or return with the reason; each requested move of a target to approve or refuse."""
    st.caption(t("update.review.help", lang))
    frame = ui.board_frame(counter, today, False, with_list=True)
    issues = frame.sort_values("number").to_dict("records")
    steps = [(i, s) for i in issues for s in sorted(i["steps"].values(), key=lambda s: s["position"])]
    claims = [(i, s) for i, s in steps if s["to_verify"]]
    moves = [(i, s) for i, s in steps if s["move_requested_on"] and s["state"] == "open"]
    st.markdown(f"**{t('update.review.claims', lang)}**")
    if not claims:
        st.caption(t("update.review.none_claims", lang))
    for issue, step in claims:
        line = literal_t("update.review.claim_line", lang, number=issue["number"], step=_label(step, "name"),
                         owner=issue["owner_en"] if lang == "en" else issue["owner"],
                         date=step["claimed_on"].isoformat(), evidence=step["evidence"] or "—")
        review_form(issue, step, "verify", line, (("verify", store.verify_step, "note"),
                                                 ("return", store.return_step, "reason")))
    st.markdown(f"**{t('update.review.moves', lang)}**")
    if not moves:
        st.caption(t("update.review.none_moves", lang))
    for issue, step in moves:
        line = literal_t("update.review.move_line", lang, number=issue["number"], step=_label(step, "name"),
                         target=step["target_on"].isoformat(), date=step["move_requested_on"].isoformat(),
                         moves=step["target_moves"], reason=step["move_reason"])
        review_form(issue, step, "move", line, (("approve", store.approve_target_move, "note"),
                                               ("refuse", store.refuse_target_move, "reason")))


def review_form(issue: dict, step: dict, kind: str, line: str, answers) -> None:
    """One claim or request: a note (a reason to return or refuse) and its two answers."""
    version = ui.loaded_version(issue["id"], issue["version"])
    with st.form(f"{kind}_{step['id']}"):
        st.markdown(line)
        note = st.text_input(t("update.review.note", lang), key=f"{kind}_note_{step['id']}", max_chars=500)
        left, right = st.columns(2)
        pressed = [column.form_submit_button(t(f"update.review.{answer}", lang), width="stretch",
                                             type="primary" if n == 0 else "secondary")
                   for n, (column, (answer, _, _)) in enumerate(zip((left, right), answers))]
    for clicked, (answer, command, argument) in zip(pressed, answers):
        if clicked:
            done = {"verify": "verified", "return": "returned", "approve": "approved", "refuse": "refused"}[answer]
            ui.run_command(command, {"actor_id": me, "step_id": step["id"], argument: note,
                                     "expected_version": version},
                           lang, issue_id=issue["id"], success=t(f"update.review.{done}", lang, number=issue["number"]))


st.markdown(f"### {t('page.update', lang)}")
ui.show_flash()

reviewer = rules.allowed(user.role, "verify_exit")
tabs = st.tabs([t("update.tab.mine", lang), t("update.tab.new", lang)]
               + ([t("update.tab.review", lang)] if reviewer else []))
mine_tab, new_tab = tabs[:2]
if reviewer:
    with tabs[2]:
        review_tab()
with mine_tab:
    linked = st.query_params.get("no")                   # a notice's link: that issue's form alone, open
    if linked:
        frame = ui.board_frame(counter, today, True, with_list=True)
        frame = frame[frame["number"] == linked]
        if frame.empty:
            st.warning(literal_t("update.not_found", lang, number=linked))
        st.button(t("update.all_mine", lang), key="all_mine", on_click=_show_all, icon=":material/list:")
    else:
        only_mine = st.toggle(t("update.only_mine", lang), value=True, key="only_mine")
        with_closed = st.toggle(t("board.recently_closed", lang), key="update_closed")
        frame = ui.board_frame(counter, today, with_closed, with_list=True)   # an owner's list issues too
        if only_mine:
            frame = frame[(frame["owner_id"] == me) | (frame["lead_id"] == me)]
    shown = frame.sort_values(["next_report_on", "number"], na_position="last").to_dict("records")
    if not shown and not linked:
        st.info(t("update.none", lang))
    for record in shown:
        issue_panel(record)
with new_tab:
    new_issue_form()
