"""The notice rules as a quality engineer would check them: when a notice may go, what the digest holds, how the
robots sign, what the pages show of a secret. Pure functions, no database, no network."""
import base64
import hashlib
import hmac
from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import parse_qs, quote, urlsplit
from zoneinfo import ZoneInfo

import pytest

from qr import channels, notices
from qr.notices import DigestItem, NotifyRule
from qr.rules import Status

TZ = ZoneInfo("Asia/Shanghai")
RULE = NotifyRule(holidays=frozenset({date(2026, 10, 1)}))   # quiet 21:00–07:00, Monday to Friday


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ).astimezone(timezone.utc)


@pytest.mark.parametrize("now, urgent, expected", [
    (local(date(2026, 9, 29), 10), False, local(date(2026, 9, 29), 10)),         # a Tuesday morning: at once
    (local(date(2026, 9, 29), 22), False, local(date(2026, 9, 30), 7)),          # quiet: next morning 07:00
    (local(date(2026, 9, 29), 3), False, local(date(2026, 9, 29), 7)),           # quiet after midnight: 07:00
    (local(date(2026, 9, 30), 22), False, local(date(2026, 10, 2), 7)),          # 1 Oct is a holiday
    (local(date(2026, 10, 2), 22), False, local(date(2026, 10, 5), 7)),          # Friday night: Monday 07:00
    (local(date(2026, 10, 3), 12), False, local(date(2026, 10, 5), 7)),          # Saturday noon: Monday
    (local(date(2026, 9, 29), 22), True, local(date(2026, 9, 29), 22)),          # a customer's clock: at once
])
def test_quiet_hours_and_holidays_hold_a_notice_until_the_next_working_morning(now, urgent, expected):
    assert notices.may_send_from(now, TZ, RULE, urgent=urgent) == expected


@pytest.mark.parametrize("start, end, moment, expected", [
    (time(21), time(7), time(20, 59), False), (time(21), time(7), time(21), True), (time(21), time(7), time(6, 59), True),
    (time(12), time(13), time(12, 30), True), (time(12), time(13), time(13), False),
    (time(0), time(0), time(3), False),                                            # equal ends: no quiet hours
])
def test_quiet_hours_may_run_over_midnight(start, end, moment, expected):
    assert notices.quiet(moment, NotifyRule(quiet_start=start, quiet_end=end)) is expected


def test_the_digest_goes_the_set_time_before_the_areas_meeting():
    assert notices.digest_moment(date(2026, 9, 29), time(8, 30), RULE, TZ) == local(date(2026, 9, 29), 7, 30)
    assert notices.digest_moment(date(2026, 9, 29), None, RULE, TZ) == local(date(2026, 9, 29), 7, 30)  # default 08:30


@pytest.mark.parametrize("tries, minutes", [(1, 1), (2, 2), (3, 4), (6, 32), (7, 60), (20, 60)])
def test_a_failed_notice_waits_longer_each_try_at_most_an_hour(tries, minutes):
    assert notices.retry_after(tries) == timedelta(minutes=minutes)


def test_a_customer_clock_warns_when_a_quarter_of_its_limit_is_left():
    started = local(date(2026, 9, 29), 10)
    assert notices.clock_warning_at(started, started + timedelta(hours=2), 0.25) == started + timedelta(minutes=90)


@pytest.mark.parametrize("secret, shown", [
    ("", ""), ("short", "••••"), ("SEC0123456789abcdef", "SEC••••ef"),
])
def test_a_secret_is_shown_masked(secret, shown):
    assert notices.mask(secret) == shown


@pytest.mark.parametrize("url, shown", [
    ("smtps://qr:pa55word-long@mail.plant.example", "smtps://qr:pa5••••ng@mail.plant.example"),
    ("smtp://relay.plant.example:25", "smtp://relay.plant.example:25"),
    ("https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef0123",
     "https://oapi.dingtalk.com/robot/send?access_token=012••••23"),
    ("https://open.feishu.cn/open-apis/bot/v2/hook/0a1b2c3d-4e5f-6789-abcd",
     "https://open.feishu.cn/open-apis/bot/v2/hook/0a1••••cd"),
])
def test_a_channel_address_is_shown_without_its_secrets(url, shown):
    assert notices.mask_url(url) == shown


def test_the_dingtalk_signature_is_the_documented_one():
    """DingTalk's documentation: sign = urlEncode(Base64(HmacSHA256(key=secret, "timestamp\\nsecret")))."""
    secret, stamp = "SEC" + "ab" * 32, 1764748800000
    expected = base64.b64encode(hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest())
    url, body = channels.robot_request("dingtalk", "http://127.0.0.1/robot/send?access_token=tok", secret, "你好",
                                       now=stamp / 1000)
    query = urlsplit(url).query
    assert f"&sign={quote(expected.decode(), safe='')}" in url and "%25" not in query    # encoded once, not twice
    assert parse_qs(query) == {"access_token": ["tok"], "timestamp": [str(stamp)], "sign": [expected.decode()]}
    assert body == {"msgtype": "text", "text": {"content": "你好"}}


def test_the_feishu_signature_is_the_documented_one():
    """Feishu/Lark: sign = Base64(HmacSHA256(key="timestamp\\nsecret", message "")), timestamp in seconds, both
    in the JSON body."""
    secret, stamp = "demo-secret", 1764748800
    expected = base64.b64encode(hmac.new(f"{stamp}\n{secret}".encode(), b"", hashlib.sha256).digest()).decode()
    _, body = channels.robot_request("feishu", "http://127.0.0.1/hook/x", secret, "你好", now=stamp)
    assert body == {"timestamp": str(stamp), "sign": expected, "msg_type": "text", "content": {"text": "你好"}}


def test_a_wecom_message_mentions_the_people_who_chose_wecom():
    _, body = channels.robot_request("wecom", "http://127.0.0.1/send?key=k", "", "你好", ("zhangwei",))
    assert body == {"msgtype": "text", "text": {"content": "你好", "mentioned_list": ["zhangwei"]}}


@pytest.mark.parametrize("smtp_url, expected", [
    ("smtp://relay.plant.example", "mailto://relay.plant.example:25/?smtp=relay.plant.example&mode=insecure"),
    ("smtp://127.0.0.1:2525", "mailto://127.0.0.1:2525/?smtp=127.0.0.1&mode=insecure"),
    ("smtp://qr:p%40ss@mail.plant.example", "mailto://qr:p%40ss@mail.plant.example:587/?smtp=mail.plant.example&mode=starttls"),
    ("smtp://mail.plant.example?starttls=yes", "mailto://mail.plant.example:587/?smtp=mail.plant.example&mode=starttls"),
    ("smtps://qr:secret@mail.plant.example", "mailto://qr:secret@mail.plant.example:465/?smtp=mail.plant.example&mode=ssl"),
])
def test_the_smtp_url_becomes_apprises_with_starttls_before_any_login(smtp_url, expected):
    made = channels.apprise_email_url(smtp_url, "QR Board <qr@plant.example>", "zhang.wei@plant.example")
    assert made.startswith(expected + "&from=QR%20Board%20%3Cqr%40plant.example%3E&to=zhang.wei%40plant.example")


def _step(position, status, *, countermeasure="", warning=False, state="open"):
    return {"position": position, "state": state, "status": status, "countermeasure": countermeasure,
            "warning": warning, "name_zh": f"步骤{position}", "name_en": f"Step {position}",
            "target_on": date(2026, 9, 28 + position)}


def _issue(number, next_report_on, steps, closed_on=None):
    return {"number": number, "description": f"{number} 描述", "next_report_on": next_report_on,
            "closed_on": closed_on, "steps": {str(s["position"]): s for s in steps}}


TODAY = date(2026, 9, 30)


@pytest.mark.parametrize("issue, calls, expected", [
    (_issue("QR-1", TODAY, [_step(1, Status.G, state="done")]), [], [("report_due", "QR-1")]),       # due today
    (_issue("QR-1", TODAY - timedelta(days=2), []), [], [("report_due", "QR-1")]),                    # overdue
    (_issue("QR-1", TODAY + timedelta(days=1), []), [], []),                                          # not yet
    (_issue("QR-1", TODAY, [], closed_on=TODAY), [], []),                                             # closed
    (_issue("QR-1", TODAY + timedelta(days=3), [_step(1, Status.R)]), [], [("red_without_countermeasure", "QR-1")]),
    (_issue("QR-1", TODAY + timedelta(days=3), [_step(1, Status.R, countermeasure="催供应商")]), [], []),
    (_issue("QR-1", TODAY + timedelta(days=3), [_step(2, Status.Y, warning=True)]), [], [("target_near", "QR-1")]),
    (_issue("QR-1", TODAY + timedelta(days=3), [_step(2, Status.Y)]), [], []),                       # outside the window
    (_issue("QR-1", TODAY + timedelta(days=3), [{**_step(1, Status.R), "to_verify": True},
                                                {**_step(2, Status.Y, warning=True), "to_verify": True}]),
     [], []),                                   # done, waiting for the quality engineer's check: nothing to do
    (_issue("QR-1", TODAY + timedelta(days=3), []),
     [{"number": "QR-9", "description": "d", "due_on": TODAY, "done_on": None, "required": True, "proposed": False},
      {"number": "QR-8", "description": "d", "due_on": TODAY, "done_on": None, "required": False, "proposed": False},
      {"number": "QR-7", "description": "d", "due_on": TODAY, "done_on": TODAY, "required": True, "proposed": False},
      {"number": "QR-6", "description": "d", "due_on": TODAY + timedelta(days=1), "done_on": None, "required": True,
       "proposed": True}],
     [("follow_up", "QR-9")]),                  # a required call due; not sampled-out, done or later ones
])
def test_the_digest_holds_what_the_owner_must_do_before_the_meeting(issue, calls, expected):
    assert [(item.kind, item.number) for item in notices.digest_items([issue], calls, TODAY)] == expected


def test_the_digest_links_every_item_to_its_update_form():
    items = [DigestItem("report_due", "QR-2026-0001", "卡扣断裂", {"date": "2026-09-30"})]
    english = notices.render_digest("Zhang Wei", TODAY, items, "en", "https://qr.plant.example/")
    assert english.subject == "Before the quality meeting: 1 to do (2026-09-30)"
    assert "https://qr.plant.example/update?no=QR-2026-0001&lang=en" in english.text
    assert 'href="https://qr.plant.example/update?no=QR-2026-0001&amp;lang=en"' in english.html
    chinese = notices.render_digest("张伟", TODAY, items, "zh", "https://qr.plant.example")
    assert chinese.subject == "快速响应会前待办：1项（2026-09-30）"
    assert "https://qr.plant.example/update?no=QR-2026-0001\n" in chinese.text


def test_user_text_in_an_e_mail_is_escaped():
    items = [DigestItem("report_due", "QR-1", "<script>x</script>", {"date": "2026-09-30"})]
    assert "<script>" not in notices.render_digest("<b>", TODAY, items, "zh", "http://x").html


def test_the_notice_rule_round_trips_and_refuses_nonsense():
    assert NotifyRule.from_json(RULE.to_json()) == RULE
    with pytest.raises(ValueError):
        NotifyRule.from_json({**RULE.to_json(), "max_tries": 0})
    with pytest.raises(ValueError):
        NotifyRule.from_json({**RULE.to_json(), "quiet_start": "25:00"})


def test_why_the_robots_have_senders_of_their_own(monkeypatch):
    """Apprise 2.2.0's DingTalk plugin: fixed public host, the signature URL-encoded twice, and a refusal answered
    with HTTP 200 (DingTalk's 310000 'sign not match') counted as delivered. Its Feishu plugin signs nothing."""
    import apprise
    import requests
    from apprise.plugins.feishu import NotifyFeishu

    seen = {}

    def post(url, data=None, headers=None, params=None, **kwargs):
        seen["url"] = requests.Request("POST", url, params=params).prepare().url
        seen["body"] = data
        return type("Answer", (), {"status_code": 200, "content": b'{"errcode":310000,"errmsg":"sign not match"}'})()

    monkeypatch.setattr("apprise.plugins.dingtalk.requests.post", post)
    monkeypatch.setattr("apprise.plugins.feishu.requests.post", post)
    notifier = apprise.Apprise(asset=apprise.AppriseAsset(storage_mode="memory"))
    notifier.add("dingtalk://SEC0123456789abcdef@0123456789abcdef/")
    assert bool(notifier.notify(body="测试"))                                # refused, yet "sent"
    assert seen["url"].startswith("https://oapi.dingtalk.com/robot/send?")
    sign = parse_qs(urlsplit(seen["url"]).query)["sign"][0]                # what DingTalk's server decodes
    assert "%" in sign                                                      # still encoded: the check fails
    feishu = apprise.Apprise(asset=apprise.AppriseAsset(storage_mode="memory"))
    feishu.add("feishu://0a1b2c3d-token/")
    feishu.notify(body="测试")
    assert "sign" not in seen["body"].decode() and "open.feishu.cn" in seen["url"]
    assert NotifyFeishu.notify_url.startswith("https://open.feishu.cn/")
