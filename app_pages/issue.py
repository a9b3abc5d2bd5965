"""One issue in full: every field, each step with dates and countermeasure, and its history."""
import streamlit as st

from app_pages import _shared as ui
from qr import eight_d, store, views
from qr.config import load_settings
from qr.i18n import error_message, t

lang = ui.language_from_url()
counter = store.change_counter()
user = ui.current_user() if store.board_settings().public_board else ui.require_user(lang)
me = user.person_id if user is not None else None
numbers = dict(ui.issue_numbers(counter))
st.page_link("app_pages/tracking_board.py", label=t("detail.back", lang), icon=":material/arrow_back:")
if not numbers:
    st.info(t("detail.none", lang))
    st.stop()

wanted = st.query_params.get("no")
options = list(numbers)
chosen = st.selectbox(t("detail.choose", lang), options, index=options.index(wanted) if wanted in numbers else 0,
                      format_func=lambda n: f"{n} · {numbers[n][:40]}")
st.query_params["no"] = chosen
try:
    detail = store.issue_detail(chosen)
except store.QRError as refusal:
    st.error(error_message(refusal.key, refusal.values, lang, markdown=True))
    st.stop()
st.subheader(f"{detail.issue['number']}")
ui.show_flash()
if detail.issue["clocks"]:
    st.markdown(f"#### {t('detail.clocks', lang)}")
    st.html(views.render_clocks(detail.issue, store.now(), lang, load_settings().tz))
st.html(views.render_issue_detail(detail.issue, detail.steps, detail.history, lang))
st.markdown(f"#### {t('detail.files', lang)}")
if ui.attachments(store.change_counter(), detail.issue["id"]):
    ui.download_buttons({**detail.issue, "steps": {s["code"]: s for s in detail.steps}}, lang, store.change_counter())
else:
    st.caption(t("detail.no_files", lang))


# Scrolls the page to the element the script comes in (no user text in it), and again whenever the page's layout
# changes in the next 15 s (a slow machine draws the history above it late), unless the person scrolls first.
# Streamlit's own header covers the top 3.5 rem.
SCROLL_HERE = """<div data-qr-scroll-target style="scroll-margin-top: 3.5rem"></div><script>
(() => {
  const targets = document.querySelectorAll("[data-qr-scroll-target]");
  const target = targets[targets.length - 1];
  const main = document.querySelector('[data-testid="stMain"]') || document.body;
  const observer = new ResizeObserver(() => go());
  const stop = () => observer.disconnect();
  const go = () => { if (target && target.isConnected) target.scrollIntoView({block: "start"}); else stop(); };
  for (const kind of ["wheel", "touchmove", "keydown", "mousedown"]) {
    window.addEventListener(kind, stop, {once: true, passive: true, capture: true});
  }
  observer.observe(main);
  for (const child of main.querySelectorAll('[data-testid="stMainBlockContainer"]')) observer.observe(child);
  setTimeout(stop, 15000);
})();
</script>"""


def eight_d_form(report: dict, section: str) -> None:
    """One section of the built-in 8D as a form; D4 asks "why?" up to five times for each of its three chains."""
    issue = report["issue"]
    saved = report["content"].get(section, {})
    prefix = f"8d_{issue['id']}_{section}"
    shown_version = ui.loaded_version(issue["id"], issue["version"])   # as the form showed it: a later save is stale
    with st.form(f"8d_form_{section}"):
        values = {}
        for field in eight_d.SECTIONS[section]:
            label = t(f"8d.{section}.{field.name}", lang)
            key = f"{prefix}_{field.name}"
            if field.kind == "quantity":
                values[field.name] = st.number_input(label, min_value=0, step=1, value=saved.get(field.name),
                                                     key=key)
            elif field.kind == "whys":
                st.markdown(f"**{label}**")
                whys = list(saved.get(field.name) or [])
                values[field.name] = [st.text_input(t("8d.why_n", lang, n=n), max_chars=eight_d.TEXT_LIMIT,
                                                    value=whys[n - 1] if n <= len(whys) else "", key=f"{key}_{n}")
                                      for n in range(1, eight_d.WHYS + 1)]
            else:
                values[field.name] = st.text_area(label, value=saved.get(field.name) or "", key=key, height=80,
                                                  max_chars=eight_d.TEXT_LIMIT)
        submitted = st.form_submit_button(t("8d.save", lang), type="primary", width="stretch",
                                          disabled=me is None or issue["closed_on"] is not None)
    if submitted:
        ui.run_command(store.save_eight_d, {"actor_id": me, "issue_id": issue["id"], "section": section,
                                            "values": values,
                                            "expected_version": shown_version},
                       lang, issue_id=issue["id"],
                       success=t("8d.saved", lang, number=issue["number"], section=section))
    if issue["id"] in st.session_state.get("stale_issues", set()):    # after the form: a refusal here shows it at once
        st.button(t("update.reload", lang), key=f"reload_{issue['id']}", icon=":material/refresh:",
                  on_click=_reload, args=(issue["id"], issue["version"]))


def _reload(issue_id: int, current_version: int) -> None:
    """Take the other person's save as seen; what this user typed stays in the form."""
    ui.reload_issue(issue_id, current_version)
    st.session_state["stale_issues"].discard(issue_id)


wanted_section = st.query_params.get("d")
if wanted_section in eight_d.SECTIONS and not st.session_state.get(f"8d_scrolled_{chosen}_{wanted_section}"):
    # ?d=D3 (a step cell's link) lands on the 8D, not at the top of a long page: once per issue and section
    st.session_state[f"8d_scrolled_{chosen}_{wanted_section}"] = True
    st.html(SCROLL_HERE, unsafe_allow_javascript=True)
st.markdown(f"#### {t('8d.heading', lang)}")
report = store.eight_d_report(chosen)
if report["missing"]:
    st.warning(t("8d.incomplete", lang, sections=", ".join(report["missing"])))
else:
    st.success(t("8d.complete", lang))
sections = list(eight_d.SECTIONS)
section = st.radio(t("8d.section", lang), sections, horizontal=True, key="8d_section",
                   index=sections.index(wanted_section) if wanted_section in sections else 0,
                   format_func=lambda code: f"{code} {t(f'8d.{code}', lang)}")
st.query_params["d"] = section
if section in report["missing"]:
    separator = "、" if lang == "zh" else ", "
    st.caption(t("8d.missing_fields", lang, fields=separator.join(t(f"8d.{section}.{name}", lang)
                                                                   for name in report["missing"][section])))
if report["steps"].get(section):
    st.html(views.render_step_list(report["steps"][section], lang))
st.caption(t("8d.step_hint", lang))
if me is None:
    st.info(t("login.needed", lang))
eight_d_form(report, section)
pdf_zh, pdf_en = st.columns(2)
for column, pdf_lang, label in ((pdf_zh, "zh", "8d.pdf"), (pdf_en, "en", "8d.pdf_en")):
    column.download_button(t(label, lang), icon=":material/picture_as_pdf:", on_click="ignore",
                           data=lambda pdf_lang=pdf_lang: eight_d.report_pdf(store.eight_d_report(chosen), pdf_lang),
                           file_name=f"{chosen}-8D-{pdf_lang}.pdf", mime="application/pdf", key=f"8d_pdf_{pdf_lang}")
