"""Every query and command the pages need; the only code that touches database sessions.

A command is one user intention in one transaction: authorize, validate, claim the issue's version
(optimistic locking), change, write the audit events, commit once. A refusal is a QRError carrying an
i18n key and its values; the page translates it. Callers use `from qr import store`.

The modules are layered, each importing only from those before it (tests/unit/test_store_layers.py holds
the order): base · plants · configuration · customers · templates · accounts · displays · sessions · clocks · follow_ups · board ·
eight_d_reports · lessons · outbox · issues · complaints · import_names · imports · qchart · meetings · meeting_reads · trend_frames · reminders.
"""
from qr.store.accounts import (USERNAME_MAX, SignedIn, accounts, authenticate, change_password, create_account,
                               create_admin, delete_demo_accounts, disable_demo_accounts, reset_password, set_role,
                               signed_in_by_email, signed_in_person)
from qr.store.base import (CATEGORY_KINDS, COMMANDS, DESCRIPTION_MAX, EARLIEST_OPENED_ON, MAX_GUIDE_LIMIT_DAYS,
                           MAX_RESPONSE_MINUTES, REASON_MAX, RECENTLY_CLOSED_DAYS, TEXT_MAX,
                           Forbidden, NotFound, QRError, SignInRefused, StaleVersion, ValidationFailed, change_counter,
                           command, default_setting_values, now, query, today)
from qr.store.board import (BOARD_COLUMNS, STEP_COLUMNS, IssueDetail, attachment_content, attachments, board_frame,
                            issue_count, issue_detail, issue_numbers)
from qr.store.clocks import (all_response_rules, categories_with_response_rules, record_response, remove_response_rule,
                             response_rules, set_response_rule, trends_clocks)
from qr.store.complaints import (COMPLAINT_COLUMNS, complaint_frames, customer_month_inputs, judge_complaint, open_calls_due,
                                 record_acceptance, record_follow_up, record_open_call, record_rejection,
                                 set_complaint_details, set_supplier_actions)
from qr.store.customers import create_customer, customers, deliveries, set_delivery, update_customer
from qr.db import UNREACHABLE
from qr.store.configuration import (CONFIGURATION_ENTITIES, ISSUE_SECONDS_RANGE, MAX_WARNING_DAYS, MEETING_MINUTES_MAX,
                                    REFRESH_RANGE, admin_history, board_settings, configure, create_area,
                                    create_category, create_person, install_default_settings, is_empty,
                                    meeting_settings, people, reference_lists, set_meeting_settings, setting_values,
                                    update_area, update_category, update_person)
from qr.store.displays import create_display_token, display_tokens, open_display, revoke_display_token
from qr.store.eight_d_reports import eight_d_report, save_eight_d
from qr.store.follow_ups import follow_ups, trends_follow_ups
from qr.store.imports import ImportOutcome, ImportPlan, ImportRefused, import_issues, plan_import, saved_mapping
from qr.store.issues import (approve_target_move, attach_file, cancel_issue, close_issue, complete_step, create_issue,
                             mark_step_na, mark_step_worse, move_target, refuse_target_move, reopen_issue,
                             return_step, set_countermeasure, set_next_report, start_step, verify_step)
from qr.store.lessons import (CANDIDATES_READ, LESSON_COLUMNS, READ_ACROSS_STEP, TARGET_KINDS, add_read_across_target, dismiss_repeats, lessons,
                              link_repeat, read_across_proposals, read_across_targets, settle_read_across_target,
                              similar_issues)
from qr.store.meeting_reads import (Minutes, attendance_rates, meeting_attendance_frame, meeting_changes,
                                    meeting_decisions, meeting_functions, meeting_minutes, meeting_on,
                                    reporting_order, review_list, sign_in_sheet, update_compliance_frames)
from qr.store.outbox import (ESCALATION_LEVELS, channels, claim_notice, escalation_contacts, mark_failed, mark_sent,
                             my_notifications, outbox, outbox_backlog, outbox_row, queue_test, remove_channel, retry_notice,
                             set_channel, set_escalation_contacts, set_meeting_time, set_my_notifications)
from qr.store.reminders import digest_preview, queue_digests, scan_notices
from qr.store.meetings import (MeetingStale, add_guest, change_tier, decide_action, decide_escalation,
                               decide_next_report, end_meeting, record_report, review_issue, save_report_order,
                               sign_in, start_meeting)
from qr.store.plants import create_plant, default_plant_code, install_default_plant, plants, update_plant
from qr.store.qchart import quality_calendar, quality_status, set_quality_status
from qr.store.sessions import KEEP_DAYS, end_session, open_session, session_person, touch_session
from qr.store.templates import (StepSpec, add_template_step, create_template, delete_template,
                                move_template_step, rename_template, retire_template_step, step_columns,
                                template_steps, update_template_step)
from qr.store.trend_frames import (COMPLETION_COLUMNS, STEP_DAYS_COLUMNS, TREND_HISTORY_COLUMNS,
                                   TREND_ISSUE_COLUMNS, TREND_STEP_COLUMNS, trends_completions, trends_history,
                                   trends_counter, trends_issues, trends_step_days, trends_steps)
