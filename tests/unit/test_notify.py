"""Notices end to end on loopback: the store writes the outbox in the event's transaction, the scans write each
time-driven notice once, and the sender delivers to a real SMTP server (aiosmtpd) and to HTTP endpoints standing
in for the WeCom, DingTalk and Feishu robots — each notice exactly once, also when a sender is killed mid-batch
or two senders run at once."""
import base64
import email
import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time as clock
from datetime import date, datetime, time, timedelta, timezone
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from models import Outbox
from qr import db, demo, notifier, store
from qr.config import load_settings
from tests.conftest import ROOT, plant_moment

DAY = date(2026, 9, 29)            # a Tuesday, a working day
SECRET = "SEC" + "0f" * 32


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback; `mails()` parses what it received."""
    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    port = _free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()

    def mails():
        parsed = []
        for envelope in received:
            message = email.message_from_bytes(envelope.content, policy=policy.default)
            parts = {part.get_content_type(): part.get_content() for part in message.walk() if not part.is_multipart()}
            parsed.append(SimpleNamespace(to=envelope.rcpt_tos, subject=message["Subject"], sender=message["From"],
                                          text=parts.get("text/plain", ""), html=parts.get("text/html", "")))
        return parsed
    yield SimpleNamespace(url=f"smtp://127.0.0.1:{port}", mails=mails)
    controller.stop()


@pytest.fixture
def now(monkeypatch):
    """The store's clock, stood still and moved by the test (the sender's claims read it too)."""
    moment = {"now": plant_moment(DAY, 10)}
    monkeypatch.setattr(store.base, "system_time", lambda: moment["now"])

    def set_to(value: datetime) -> datetime:
        moment["now"] = value
        return value
    set_to.get = lambda: moment["now"]
    return set_to


@pytest.fixture
def mail(plant, smtp_server, monkeypatch):
    monkeypatch.setenv("QR_MAIL_FROM", "QR Board <qr@plant.example>")
    monkeypatch.setenv("QR_PUBLIC_URL", "https://qr.plant.example")
    store.set_channel(actor_id=None, kind="email", url=smtp_server.url)
    return smtp_server


def _robots(plant, httpserver, kinds=("wecom", "dingtalk", "feishu")) -> dict:
    """The area's group chat on each robot, answering as the vendors do when all is well."""
    made = {}
    for kind in kinds:
        path = {"wecom": "/cgi-bin/webhook/send", "dingtalk": "/robot/send", "feishu": "/open-apis/bot/v2/hook/tok"}[kind]
        query = {"wecom": "?key=wecom-key", "dingtalk": "?access_token=dingtoken", "feishu": ""}[kind]
        answer = {"code": 0, "msg": "success"} if kind == "feishu" else {"errcode": 0, "errmsg": "ok"}
        httpserver.expect_request(path, method="POST").respond_with_json(answer)
        made[kind] = store.set_channel(actor_id=None, kind=kind, area_id=plant["area"].id,
                                       url=httpserver.url_for(path) + query,
                                       secret=SECRET if kind != "wecom" else "")
    return made


def _rows(**where) -> list[Outbox]:
    with db.read_session() as session:
        statement = select(Outbox).order_by(Outbox.id)
        for name, value in where.items():
            statement = statement.where(getattr(Outbox, name) == value)
        return list(session.exec(statement).all())


def _create(plant, *, severity="A", category="complaint", on=DAY, owner=None, next_report_on=None, at=None):
    owner = owner or plant["owner"]
    return store.create_issue(
        actor_id=owner.id, description="客户投诉：左前门内饰板卡扣断裂", category_id=plant["categories"][category].id,
        area_id=plant["area"].id, severity=severity, owner_id=owner.id, lead_id=plant["lead"].id, opened_on=on,
        next_report_on=next_report_on or on, template_id=plant["templates"]["standard"].id, now=at or plant_moment(on, 10))


def test_a_new_severity_a_or_customer_issue_reaches_the_area_chat_in_its_own_transaction(plant, httpserver, now):
    _robots(plant, httpserver, kinds=("wecom",))
    customer_b = _create(plant, severity="B")                       # external category: told at once
    internal_a = _create(plant, severity="A", category="gp12")
    internal_c = _create(plant, severity="C", category="gp12")      # neither: no notice
    assert [(row.issue_id, row.event, row.channel) for row in _rows()] == [
        (customer_b.id, "new_issue", "wecom"), (internal_a.id, "new_issue", "wecom")]
    assert internal_c.id not in {row.issue_id for row in _rows()}
    with pytest.raises(store.ValidationFailed):                     # refused: no issue, and no notice either
        store.create_issue(actor_id=plant["owner"].id, description="x", category_id=plant["categories"]["complaint"].id,
                           area_id=plant["area"].id, severity="A", owner_id=plant["owner"].id,
                           lead_id=plant["lead"].id, opened_on=DAY, next_report_on=DAY - timedelta(days=1),
                           template_id=plant["templates"]["standard"].id, now=plant_moment(DAY))
    assert len(_rows()) == 2


def test_the_robots_get_signed_messages_and_each_is_marked_sent(plant, httpserver, now):
    _robots(plant, httpserver)
    issue = _create(plant)
    outcome = notifier.send_due()
    assert (outcome.sent, outcome.failed) == (3, 0)
    requests = {request.path: request for request, _ in httpserver.log}
    wecom = requests["/cgi-bin/webhook/send"]
    assert wecom.args["key"] == "wecom-key"
    assert wecom.get_json()["msgtype"] == "text" and issue.number in wecom.get_json()["text"]["content"]
    assert f"https://qr.plant.example/update?no={issue.number}" not in wecom.get_json()["text"]["content"]
    assert f"/update?no={issue.number}" in wecom.get_json()["text"]["content"]
    # DingTalk: checked as its server does, from the secret, the timestamp and the sign in the query
    ding = requests["/robot/send"]
    stamp = ding.args["timestamp"]
    expected = base64.b64encode(hmac.new(SECRET.encode(), f"{stamp}\n{SECRET}".encode(), hashlib.sha256).digest())
    assert ding.args["access_token"] == "dingtoken" and ding.args["sign"] == expected.decode()
    assert abs(int(stamp) / 1000 - clock.time()) < 60
    assert "客户" in ding.get_json()["text"]["content"]
    # Feishu: timestamp and sign in the body, the key being "timestamp\nsecret"
    feishu = requests["/open-apis/bot/v2/hook/tok"].get_json()
    expected = base64.b64encode(hmac.new(f"{feishu['timestamp']}\n{SECRET}".encode(), b"", hashlib.sha256).digest())
    assert feishu["sign"] == expected.decode() and feishu["msg_type"] == "text"
    assert all(row.sent_at is not None and row.tries == 0 for row in _rows())
    assert notifier.send_due().sent == 0                              # nothing goes twice


def test_a_refusal_answered_with_http_200_is_no_delivery_and_is_retried_then_shown(plant, httpserver, now):
    httpserver.expect_request("/robot/send").respond_with_json({"errcode": 310000, "errmsg": "sign not match"})
    store.set_channel(actor_id=None, kind="dingtalk", area_id=plant["area"].id,
                      url=httpserver.url_for("/robot/send") + "?access_token=t", secret=SECRET)
    _create(plant)
    assert notifier.send_due().failed == 1
    (row,) = _rows()
    assert row.sent_at is None and row.tries == 1 and "310000" in row.last_error
    assert row.next_try_at == now.get() + timedelta(minutes=1)
    assert notifier.send_due().failed == 0                             # waits for its backoff
    for tries in range(2, 6):
        now(row.next_try_at if tries == 2 else _rows()[0].next_try_at)
        notifier.send_due()
    (row,) = _rows()
    assert row.tries == 5 and row.failed_at is not None              # the plant's 5 tries, then shown as failed
    failed = store.outbox(failed_only=True)
    assert [(f["state"], f["tries"]) for f in failed] == [("failed", 5)] and "sign not match" in failed[0]["last_error"]
    now(now.get() + timedelta(hours=2))
    assert notifier.send_due().failed == 0                             # given up: no more tries by itself
    admin = store.create_person(name="管理员")
    store.create_account(actor_id=None, person_id=admin.id, username="admin1", role="admin", password="long-enough-1")
    store.retry_notice(actor_id=admin.id, outbox_id=row.id)
    assert _rows()[0].failed_at is None and notifier.send_due().failed == 1


def _owner_with_work(plant, now):
    """The owner's issue opened 10 days ago: its report is due today and its containment (1 day) is red."""
    issue = _create(plant, severity="B", category="gp12", on=DAY - timedelta(days=10), next_report_on=DAY - timedelta(days=2))
    store.set_meeting_time(actor_id=None, area_id=plant["area"].id, meeting_time=time(8, 30))
    return issue


def test_the_owners_digest_is_mailed_before_the_meeting_once_with_links(plant, mail, now):
    issue = _owner_with_work(plant, now)
    now(plant_moment(DAY, 7) + timedelta(minutes=29))                # 07:29: the digest is due at 07:30
    assert store.scan_notices() == 0
    now(plant_moment(DAY, 7) + timedelta(minutes=31))
    assert store.scan_notices() == 1
    assert store.scan_notices() == 0                                  # the day's digest is written once
    assert notifier.send_due().sent == 1
    (message,) = mail.mails()
    assert message.to == ["zhang.wei@plant.example"] and message.sender == "QR Board <qr@plant.example>"
    assert message.subject.startswith("快速响应会前待办：") and "（2026-09-29）" in message.subject
    assert "今日或已逾期汇报（1）" in message.text and "红色步骤缺少对策" in message.text
    assert f'href="https://qr.plant.example/update?no={issue.number}"' in message.html
    assert notifier.run_once().sent == 0                              # a rerun sends nothing again


def test_the_digest_is_in_the_persons_language_and_skips_holidays_and_the_hours_after_the_meeting(plant, mail, now):
    _owner_with_work(plant, now)
    store.set_my_notifications(actor_id=plant["owner"].id, language="en", notify_email=True, wecom_id="",
                               notify_wecom=False)
    now(plant_moment(DAY, 9))                                         # after the 08:30 meeting: too late
    assert store.scan_notices() == 0
    admin = store.create_person(name="管理员")
    store.create_account(actor_id=None, person_id=admin.id, username="admin1", role="admin", password="long-enough-1")
    rule = {**store.setting_values()["notifications"], "holidays": [(DAY + timedelta(days=1)).isoformat()]}
    store.configure(actor_id=admin.id, key="notifications", value=rule)
    now(plant_moment(DAY + timedelta(days=1), 7) + timedelta(minutes=45))
    assert store.scan_notices() == 0                                  # a holiday: no digest
    assert store.queue_digests(actor_id=admin.id) == 1                # asked for: at once, whatever the day
    notifier.send_due()
    (message,) = mail.mails()
    assert message.subject.startswith("Before the quality meeting:") and "Hello Zhang Wei" in message.text
    assert "lang=en" in message.html


def test_an_escalation_tells_that_levels_people_and_the_chat_once_per_level(plant, mail, httpserver, now):
    _robots(plant, httpserver, kinds=("wecom",))
    issue = _create(plant, severity="B", category="gp12", on=DAY - timedelta(days=4), next_report_on=DAY + timedelta(days=5))
    leader = store.create_person(name="赵班长", name_en="Zhao", email="zhao@plant.example", area_id=plant["area"].id)
    manager = store.create_person(name="钱经理", name_en="Qian", email="qian@plant.example", area_id=plant["area"].id)
    store.set_escalation_contacts(actor_id=None, area_id=plant["area"].id, level=1, person_ids=[leader.id])
    store.set_escalation_contacts(actor_id=None, area_id=plant["area"].id, level=2, person_ids=[manager.id])
    store.set_my_notifications(actor_id=leader.id, language="zh", notify_email=True, wecom_id="zhaobz",
                               notify_wecom=True)
    now(plant_moment(DAY - timedelta(days=1), 10))                   # containment red for 1 day: level 1
    assert store.scan_notices() == 2                                  # the leader's e-mail, the chat @-mentioning him
    assert store.scan_notices() == 0
    now(plant_moment(DAY + timedelta(days=1), 10))                   # red for 3 days: level 2
    store.scan_notices()
    store.scan_notices()
    rows = _rows(event="escalation")
    assert sorted((row.event_key.split(":")[2], row.channel, row.address or row.mentions) for row in rows) == [
        ("1", "email", "zhao@plant.example"), ("1", "wecom", "zhaobz"), ("2", "email", "qian@plant.example"),
        ("2", "wecom", "")]
    notifier.send_due()
    assert sorted(m.to[0] for m in mail.mails()) == ["qian@plant.example", "zhao@plant.example"]
    level_two = next(m for m in mail.mails() if m.to == ["qian@plant.example"])
    assert level_two.subject == f"{issue.number} 升级到第2级（部门经理）"
    wecom = [request.get_json()["text"] for request, _ in httpserver.log]
    assert wecom[0]["mentioned_list"] == ["zhaobz"]


def test_an_escalation_found_in_quiet_hours_waits_for_the_working_morning(plant, mail, now):
    _create(plant, severity="B", category="gp12", on=DAY - timedelta(days=4), next_report_on=DAY + timedelta(days=5))
    store.set_escalation_contacts(actor_id=None, area_id=plant["area"].id, level=1, person_ids=[plant["lead"].id])
    now(plant_moment(DAY - timedelta(days=1), 23))
    store.scan_notices()
    (row,) = _rows(event="escalation")
    assert row.next_try_at == plant_moment(DAY, 7)
    assert notifier.send_due().sent == 0
    now(plant_moment(DAY, 7))
    assert notifier.send_due().sent == 1


def test_a_customer_clock_warns_once_when_a_quarter_is_left_and_again_once_when_missed(plant, mail, now):
    issue = _create(plant, severity="B")                             # a complaint: acknowledge within 2 h
    ack = next(c for c in store.issue_detail(issue.number, on=DAY).issue["clocks"] if c["code"] == "ack")
    started = ack["started_at"]
    for minutes, written in ((89, 0), (91, 2), (100, 0), (121, 2), (180, 0)):
        now(started + timedelta(minutes=minutes))
        assert store.scan_notices() == written, minutes              # the owner and the lead by e-mail
    assert [row.event for row in _rows(channel="email")] == ["clock_warning"] * 2 + ["clock_missed"] * 2
    notifier.send_due()
    subjects = sorted({m.subject for m in mail.mails()})
    assert subjects == [f"{issue.number} 客户响应即将超时：响应客户", f"{issue.number} 客户响应已超时：响应客户"]


def test_nobody_to_tell_is_recorded_once_not_sent(plant, now):
    _create(plant, severity="B", category="gp12", on=DAY - timedelta(days=4), next_report_on=DAY + timedelta(days=5))
    store.scan_notices()
    store.scan_notices()
    assert [(row.event, row.channel, row.sent_at is not None) for row in _rows()] == [("escalation", "none", True)]


class _SlowRobot(BaseHTTPRequestHandler):
    """A robot that takes its time, and (like any server) counts a message only if its sender is still there to
    be told it was accepted."""

    delay = 0.5
    accepted: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        clock.sleep(self.delay)
        self.connection.setblocking(False)
        try:
            gone = self.connection.recv(1, socket.MSG_PEEK) == b""
        except BlockingIOError:
            gone = False
        finally:
            self.connection.setblocking(True)
        if gone:
            return
        self.accepted.append(body["text"]["content"].splitlines()[0])
        answer = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def slow_robot(plant):
    _SlowRobot.accepted = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowRobot)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    store.set_channel(actor_id=None, kind="wecom", area_id=plant["area"].id,
                      url=f"http://127.0.0.1:{server.server_address[1]}/cgi-bin/webhook/send?key=k")
    yield _SlowRobot
    server.shutdown()


def _new_issues(plant, count: int) -> list[str]:
    """Severity-A issues opened today (the senders run on the real clock): each tells the area's chat once."""
    now = datetime.now(timezone.utc)          # not 10:00: before 10:00 plant time that is still to come
    return [_create(plant, category="gp12", on=store.today(), at=now).number for _ in range(count)]


def _delivered_once(accepted: list[str], numbers: list[str]) -> None:
    assert len(accepted) == len(set(accepted))                        # nothing twice
    assert sorted(line for line in accepted if line.startswith("新问题")) == sorted(
        f"新问题 {n}（A类严重）：总装车间" for n in numbers)


def _sender(database_url: str, lease: int = 3) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "QR_NOTIFY_LEASE_SECONDS": str(lease), "QR_DEMO": "0"}
    return subprocess.Popen([sys.executable, "-m", "qr", "notify", "--once"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_sender_killed_mid_batch_then_a_rerun_delivers_each_notice_exactly_once(plant, slow_robot, database_url):
    numbers = _new_issues(plant, 6)
    sender = _sender(database_url)
    deadline = clock.monotonic() + 30
    while len(slow_robot.accepted) < 2 and clock.monotonic() < deadline:
        clock.sleep(0.05)
    clock.sleep(slow_robot.delay / 2)                                 # the third is in flight
    sender.send_signal(signal.SIGKILL)
    sender.wait()
    assert 2 <= len(slow_robot.accepted) < 6
    held = [row for row in _rows(channel="wecom") if row.sent_at is None and row.claimed_until is not None]
    assert len(held) == 1                      # killed while sending one; its claim keeps others off until it ends
    clock.sleep(3.5)                                                  # the killed sender's claim runs out
    rerun = _sender(database_url)
    out, err = rerun.communicate(timeout=60)
    assert rerun.returncode == 0, err
    _delivered_once(slow_robot.accepted, numbers)
    assert all(row.sent_at is not None for row in _rows(channel="wecom"))


def test_two_senders_at_once_deliver_each_notice_once(plant, slow_robot, database_url):
    slow_robot.delay = 0.3
    numbers = _new_issues(plant, 10)
    senders = [_sender(database_url, lease=60) for _ in range(2)]
    sent = []
    for sender in senders:
        out, err = sender.communicate(timeout=90)
        assert sender.returncode == 0, err
        sent.append(int(out.split(" sent")[0].split()[-1]))
    assert all(count > 0 for count in sent) and sum(sent) == len(_rows(channel="wecom"))    # both worked, shared
    _delivered_once(slow_robot.accepted, numbers)
    assert len(slow_robot.accepted) >= len(numbers)
    slow_robot.delay = 0.5


def test_notify_digest_now_on_the_command_line(plant, mail, now, database_url, capsys):
    from qr.__main__ import main
    _owner_with_work(plant, now)
    assert main(["notify", "--digest-now"]) == 0
    assert "1 notices written, 1 sent, 0 failed" in capsys.readouterr().out
    assert len(mail.mails()) == 1
    assert main(["notify", "--once"]) == 0
    assert len(mail.mails()) == 1


def test_one_digest_on_the_demo_plant_checked_by_hand(engine, monkeypatch):
    """吴刚 on Tuesday 2026-11-24 at 07:40. By hand from the demo's board: his open issues are QR-2026-0012 (report
    on the 26th; lessons learned red, with its countermeasure), QR-2026-0021 (report overdue since the 21st;
    verified, PFMEA and standard work due today, inside the 2-day window, each with its countermeasure) and
    QR-2026-0030 (report on the 29th; root cause red but done and waiting for verification: no countermeasure
    asked, so not listed); no follow-up call of his is due."""
    day = date(2026, 11, 24)
    monkeypatch.setenv("QR_PUBLIC_URL", "https://qr.plant.example")
    monkeypatch.setattr(store.base, "system_time", lambda: plant_moment(day, 7) + timedelta(minutes=40))
    demo.load_demo(on=day)
    wu = next(p["id"] for p in store.people() if p["name"] == "吴刚")
    message = store.digest_preview(wu, day)
    assert message.subject == "快速响应会前待办：4项（2026-11-24）"
    link = "https://qr.plant.example/update?no=QR-2026-0021"
    assert message.text.splitlines() == [
        "吴刚，您好！今天快速响应会前请处理以下事项：", "",
        "今日或已逾期汇报（1）",
        "- QR-2026-0021 客户投诉：线束卡扣缺失，0公里抱怨2台: 下次汇报日期 2026-11-21", f"  {link}", "",
        "临近目标日期的步骤（3）",
        "- QR-2026-0021 客户投诉：线束卡扣缺失，0公里抱怨2台: 验证有效性 目标日期 2026-11-24", f"  {link}",
        "- QR-2026-0021 客户投诉：线束卡扣缺失，0公里抱怨2台: PFMEA/控制计划更新 目标日期 2026-11-24", f"  {link}",
        "- QR-2026-0021 客户投诉：线束卡扣缺失，0公里抱怨2台: 标准化作业 目标日期 2026-11-24", f"  {link}", "",
        "本邮件由快速响应跟踪板自动发送；点击编号直接打开该问题的更新表单。"]
    assert message.html.count(f'href="{link}"') == 4


def _self_signed(tmp_path):
    """A certificate for 127.0.0.1 that the sender trusts through SSL_CERT_FILE (as a plant's own CA would be)."""
    import ipaddress
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    moment = datetime.now(timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(moment - timedelta(days=1))
                   .not_valid_after(moment + timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                  critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return cert_file, context


@pytest.mark.parametrize("scheme", ["smtp", "smtps"])
def test_mail_goes_over_starttls_or_tls_with_a_login(plant, now, tmp_path, monkeypatch, scheme):
    """smtp://user:password@host: STARTTLS before the login (the server refuses a login in clear);
    smtps://: TLS from the first byte. The mail arrives only with the right password."""
    from aiosmtpd.smtp import AuthResult

    cert_file, context = _self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    monkeypatch.setenv("QR_MAIL_FROM", "qr@plant.example")
    received, logins = [], []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            encrypted = server.transport.get_extra_info("ssl_object") is not None
            received.append((session.authenticated, encrypted, envelope.rcpt_tos))
            return "250 OK"

    def authenticate(server, session, envelope, mechanism, auth_data):
        logins.append(auth_data.login)
        return AuthResult(success=(auth_data.login, auth_data.password) == (b"qr", b"p@ss:word"), handled=False)

    port = _free_port()
    # STARTTLS: no login before it; implicit TLS: every byte is encrypted (aiosmtpd offers AUTH there only when
    # not asked to require its STARTTLS); PLAIN only, so a wrong password is refused at once with 535
    tls = ({"tls_context": context, "require_starttls": True, "auth_require_tls": True} if scheme == "smtp"
           else {"ssl_context": context, "auth_require_tls": False})
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, authenticator=authenticate,
                            auth_exclude_mechanism=["LOGIN"], **tls)
    controller.start()
    try:
        store.set_channel(actor_id=None, kind="email", url=f"{scheme}://qr:p%40ss%3Aword@127.0.0.1:{port}")
        store.queue_test(actor_id=None, address="sun.li@plant.example")
        assert notifier.send_due().sent == 1, _rows()[-1].last_error
        assert received == [(True, True, ["sun.li@plant.example"])] and logins == [b"qr"]
        store.set_channel(actor_id=None, kind="email", url=f"{scheme}://qr:wrong@127.0.0.1:{port}")
        now(now.get() + timedelta(seconds=1))
        store.queue_test(actor_id=None, address="sun.li@plant.example")
        assert notifier.send_due().failed == 1 and len(received) == 1
        assert "535" in _rows()[-1].last_error
    finally:
        controller.stop()
