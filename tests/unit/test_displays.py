"""Display tokens (TV mode) and the meeting's settings an administrator saves: a token is shown once and stored
only as its hash, opens the board until revoked, and both are audited; a meeting setting follows the environment
until an administrator saves another value, which then wins."""
from datetime import datetime, timedelta, timezone
import hashlib

import pytest
from sqlmodel import select

from models import AuditEvent, BoardSetting, DisplayToken
from qr import db, store
from qr.__main__ import main

NOW = datetime(2026, 3, 9, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def admin(plant):
    return store.create_admin(username="boss", name="王总", email="boss@plant.example", password="admin-secret-1")


def _events(entity: str) -> list[tuple]:
    with db.read_session() as session:
        return [(e.field, e.old, e.new, e.actor_name) for e in
                session.exec(select(AuditEvent).where(AuditEvent.entity == entity).order_by(AuditEvent.id)).all()]


def test_the_database_keeps_only_a_hash_of_the_token(admin):
    token = store.create_display_token(actor_id=admin.person_id, name="总装线电视", now=NOW)
    with db.read_session() as session:
        stored = session.exec(select(DisplayToken)).one()
    assert len(token) >= 43                                  # 32 random bytes
    assert token not in repr(stored.model_dump())
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert store.open_display(token, now=NOW) == "总装线电视"


@pytest.mark.parametrize("forged", ["", "x" * 43, "a" * 500, None, 12345])
def test_a_wrong_token_opens_nothing(admin, forged):
    store.create_display_token(actor_id=admin.person_id, name="tv", now=NOW)
    assert store.open_display(forged, now=NOW) is None


def test_a_revoked_token_is_refused_and_its_name_may_be_used_again(admin):
    old = store.create_display_token(actor_id=admin.person_id, name="tv", now=NOW)
    with pytest.raises(store.ValidationFailed) as twice:
        store.create_display_token(actor_id=admin.person_id, name="tv", now=NOW)
    assert twice.value.key == "err.duplicate"
    store.revoke_display_token(actor_id=admin.person_id, name="tv", now=NOW + timedelta(hours=1))
    assert store.open_display(old, now=NOW + timedelta(hours=2)) is None
    new = store.create_display_token(actor_id=admin.person_id, name="tv", now=NOW + timedelta(hours=3))
    assert store.open_display(new, now=NOW + timedelta(hours=3)) == "tv"
    assert store.open_display(old, now=NOW + timedelta(hours=3)) is None
    with pytest.raises(store.NotFound):
        store.revoke_display_token(actor_id=admin.person_id, name="no such screen")


def test_creating_and_revoking_are_audited_and_listed(admin):
    store.create_display_token(actor_id=admin.person_id, name="tv", now=NOW)
    store.revoke_display_token(actor_id=admin.person_id, name="tv", now=NOW + timedelta(hours=1))
    assert _events("display_token") == [("created", None, "tv", "王总"), ("revoked", "tv", None, "王总")]
    assert [e["field"] for e in store.admin_history() if e["entity"] == "display_token"] == ["revoked", "created"]
    [row] = store.display_tokens()
    assert (row["name"], row["created_by"], row["revoked_at"]) == ("tv", "王总", NOW + timedelta(hours=1))


def test_last_seen_moves_at_most_once_a_minute(admin):
    token = store.create_display_token(actor_id=admin.person_id, name="tv", now=NOW)
    store.open_display(token, now=NOW + timedelta(seconds=10))
    store.open_display(token, now=NOW + timedelta(seconds=40))
    assert store.display_tokens()[0]["last_seen_at"] == NOW + timedelta(seconds=10)
    store.open_display(token, now=NOW + timedelta(minutes=2))
    assert store.display_tokens()[0]["last_seen_at"] == NOW + timedelta(minutes=2)


def test_only_administrators_create_tokens(admin, plant):
    with pytest.raises(store.Forbidden):
        store.create_display_token(actor_id=plant["lead"].id, name="tv")
    assert store.display_tokens() == []


def test_the_command_line_prints_the_token_once_and_revokes_it(admin, capsys):
    assert main(["display-token", "create", "line-1"]) == 0
    printed = capsys.readouterr().out
    token = printed.splitlines()[1]
    assert store.open_display(token) == "line-1" and f"token={token}" in printed
    assert main(["display-token", "create", "line-1"]) == 2
    assert "exists already" in capsys.readouterr().err
    assert main(["display-token", "revoke", "line-1"]) == 0
    assert store.open_display(token) is None
    assert main(["display-token", "revoke", "line-1"]) == 2
    assert _events("display_token") == [("created", None, "line-1", ""), ("revoked", "line-1", None, "")]


MEETING = {"issue_seconds": 120, "meeting_target_minutes": 15, "meeting_limit_minutes": 30, "refresh_seconds": 60,
           "public_board": False}


def test_the_environment_gives_the_defaults_until_an_administrator_saves(admin, monkeypatch):
    monkeypatch.setenv("QR_REFRESH_SECONDS", "45")
    monkeypatch.setenv("QR_PUBLIC_BOARD", "1")
    assert {name: entry["value"] for name, entry in store.meeting_settings().items()} == \
        {**MEETING, "refresh_seconds": 45, "public_board": True}
    assert not any(entry["saved"] for entry in store.meeting_settings().values())
    store.set_meeting_settings(actor_id=admin.person_id, **{**MEETING, "refresh_seconds": 90, "public_board": True})
    monkeypatch.setenv("QR_REFRESH_SECONDS", "20")          # the saved value wins over a later environment
    monkeypatch.setenv("QR_PUBLIC_BOARD", "0")              # one left as it ran keeps following the environment
    running = store.board_settings()
    assert (running.refresh_seconds, running.public_board, running.issue_seconds) == (90, False, 120)
    assert {name for name, entry in store.meeting_settings().items() if entry["saved"]} == {"refresh_seconds"}
    assert _events("setting") == [("refresh_seconds", "45", "90", "王总")]


def test_every_changed_setting_is_audited_and_the_meeting_uses_it(admin):
    store.set_meeting_settings(actor_id=admin.person_id, issue_seconds=90, meeting_target_minutes=10,
                               meeting_limit_minutes=20, refresh_seconds=60, public_board=True)
    assert _events("setting") == [("issue_seconds", "120", "90", "王总"), ("meeting_target_minutes", "15", "10", "王总"),
                                  ("meeting_limit_minutes", "30", "20", "王总"),
                                  ("public_board", "false", "true", "王总")]
    running = store.board_settings()
    assert (running.issue_seconds, running.meeting_target_minutes, running.meeting_limit_minutes) == (90, 10, 20)
    with db.read_session() as session:
        assert {row.key for row in session.exec(select(BoardSetting)).all()} >= {"issue_seconds", "public_board"}


@pytest.mark.parametrize("change, key", [
    ({"refresh_seconds": 9}, "err.refresh_seconds"),
    ({"refresh_seconds": 3601}, "err.refresh_seconds"),
    ({"refresh_seconds": 60.5}, "err.refresh_seconds"),
    ({"issue_seconds": 10}, "err.issue_seconds"),
    ({"meeting_target_minutes": 0}, "err.meeting_minutes"),
    ({"meeting_limit_minutes": 241}, "err.meeting_minutes"),
    ({"meeting_target_minutes": 40, "meeting_limit_minutes": 30}, "err.meeting_limit_below_target"),
    ({"public_board": "yes"}, "err.bad_choice"),
    ({}, "err.no_change"),                                   # nothing changed, nothing written
])
def test_a_bad_setting_is_refused_in_words_and_nothing_is_written(admin, change, key):
    with pytest.raises(store.ValidationFailed) as refused:
        store.set_meeting_settings(actor_id=admin.person_id, **{**MEETING, **change})
    assert refused.value.key == key
    assert _events("setting") == []


def test_only_administrators_change_the_meeting_settings(admin, plant):
    with pytest.raises(store.Forbidden):
        store.set_meeting_settings(actor_id=plant["lead"].id, **{**MEETING, "refresh_seconds": 90})
