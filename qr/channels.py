"""The channels a notice goes out on. E-mail goes through Apprise (SMTP with STARTTLS or TLS and a login); the
group robots of WeCom, DingTalk and Feishu through the small senders below, because Apprise's robot plugins send
only to the vendors' fixed public hosts (not to a plant's proxy, a private WeCom deployment, Lark or a test
server), count a refusal answered with HTTP 200 and an error code as delivered, and — DingTalk — URL-encode the
signature twice (Feishu: no signing at all). Every send returns only when the channel accepted the message and
raises DeliveryFailed with the reason otherwise."""
import base64
import hashlib
import hmac
import logging
import os
import time
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import requests

from qr.notices import Message


class DeliveryFailed(Exception):
    """The channel did not accept the message; the reason goes to the outbox row and the admin page."""


def request_timeout() -> float:
    return float(os.environ.get("QR_NOTIFY_TIMEOUT") or 20)


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: HMAC-SHA256 keyed with the secret over "timestamp\\nsecret", Base64 (URL-encode it once)."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu/Lark's 签名校验: HMAC-SHA256 keyed with "timestamp\\nsecret" over an empty message, Base64."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode("utf-8"), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def robot_request(kind: str, url: str, secret: str, text: str, mentions: tuple[str, ...] = (),
                  now: float | None = None) -> tuple[str, dict]:
    """The address and JSON body of one robot message (text: links stay clickable on every client)."""
    now = time.time() if now is None else now
    if kind == "wecom":
        return url, {"msgtype": "text", "text": {"content": text, "mentioned_list": list(mentions)}}
    if kind == "dingtalk":
        if secret:
            stamp = int(now * 1000)
            sign = quote(dingtalk_sign(secret, stamp), safe="")
            url = f"{url}{'&' if '?' in url else '?'}timestamp={stamp}&sign={sign}"
        return url, {"msgtype": "text", "text": {"content": text}}
    if kind == "feishu":
        body = {"msg_type": "text", "content": {"text": text}}
        if secret:
            stamp = int(now)
            body = {"timestamp": str(stamp), "sign": feishu_sign(secret, stamp), **body}
        return url, body
    raise DeliveryFailed(f"unknown robot kind {kind!r}")


def send_robot(kind: str, url: str, secret: str, text: str, mentions: tuple[str, ...] = ()) -> None:
    """Post to a group robot; accepted means HTTP 200 and the vendor's error code 0 in the answer."""
    address, body = robot_request(kind, url, secret, text, mentions)
    try:
        answer = requests.post(address, json=body, timeout=request_timeout())
    except requests.RequestException as problem:
        raise DeliveryFailed(f"{kind}: {type(problem).__name__}: {problem}") from problem
    if answer.status_code != 200:
        raise DeliveryFailed(f"{kind}: HTTP {answer.status_code} {answer.text[:300]}")
    try:
        reply = answer.json()
    except ValueError:
        raise DeliveryFailed(f"{kind}: the answer is not JSON: {answer.text[:300]}") from None
    code = reply.get("errcode", reply.get("code", reply.get("StatusCode", 0))) if isinstance(reply, dict) else None
    if code != 0:
        said = reply if isinstance(reply, dict) else {}
        message = said.get("errmsg") or said.get("msg") or said.get("StatusMessage") or ""
        raise DeliveryFailed(f"{kind}: refused with code {code}: {message}")


def apprise_email_url(smtp_url: str, sender: str, to: str) -> str:
    """QR_SMTP_URL in Apprise's terms. smtp://host:port is a plant's relay without TLS or login;
    smtp://user:password@host:587 upgrades with STARTTLS before the login (a password never goes in clear);
    smtps://user:password@host is TLS from the first byte (465); ?starttls=yes asks STARTTLS without a login."""
    parts = urlsplit(smtp_url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise DeliveryFailed("the e-mail server's address must look like smtp://host:port or "
                             "smtps://user:password@host")
    options = dict(parse_qsl(parts.query))
    login = parts.username is not None and parts.password is not None
    if parts.scheme == "smtps":
        mode, port = "ssl", parts.port or 465
    elif login or options.get("starttls", "").lower() in ("yes", "1", "true"):
        mode, port = "starttls", parts.port or 587
    else:
        mode, port = "insecure", parts.port or 25
    user = f"{quote(unquote(parts.username), safe='')}:{quote(unquote(parts.password), safe='')}@" if login else ""
    query = urlencode({"smtp": parts.hostname, "mode": mode, "from": sender, "to": to, "format": "html"},
                      quote_via=quote)
    return f"mailto://{user}{parts.hostname}:{port}/?{query}"


def send_email(smtp_url: str, sender: str, to: str, message: Message) -> None:
    """One e-mail through Apprise: HTML with Apprise's plain-text alternative."""
    import apprise        # loaded on first use: the pages and the store never need it

    if not to:
        raise DeliveryFailed("no e-mail address")
    if not sender:
        raise DeliveryFailed("no sender address: set QR_MAIL_FROM or the e-mail server's sender on the admin page")
    notifier = apprise.Apprise(asset=apprise.AppriseAsset(storage_mode="memory"))
    if not notifier.add(apprise_email_url(smtp_url, sender, to)):
        raise DeliveryFailed("the e-mail server's address or the sender is not valid")
    with apprise.LogCapture(level=logging.DEBUG) as log:
        accepted = notifier.notify(title=message.subject, body=message.html or message.text,
                                   body_format=apprise.NotifyFormat.HTML)
        if not accepted:
            lines = [line.split(" - ", 2)[-1] for line in log.getvalue().splitlines()
                     if any(word in line for word in ("Exception", "refused", "failed", "rror", "WARNING"))]
            raise DeliveryFailed(("e-mail: " + " | ".join(lines))[:1000] or "e-mail: not accepted")
