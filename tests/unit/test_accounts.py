"""Local accounts: argon2 hashes (never the password), lockout after five wrong passwords, password change and
reset, the first administrator from the command line, and single sign-on's mapping by e-mail."""
import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import SQLModel, select

from models import Account
from qr import db, store
from qr.__main__ import main
from tests.conftest import PASSWORD

NOW = datetime(2026, 3, 9, 2, 0, tzinfo=timezone.utc)


def _everything_stored() -> str:
    """Every value of every table as text: where a leaked password would show."""
    with db.get_engine().connect() as connection:
        return repr([connection.execute(table.select()).all() for table in SQLModel.metadata.sorted_tables])


def _account(username: str) -> Account:
    with db.read_session() as session:
        return session.exec(select(Account).where(Account.username == username)).one()


def test_only_an_argon2_hash_is_stored(plant):
    assert store.authenticate(username="ZhangWei ", password=PASSWORD).person_id == plant["owner"].id
    assert _account("zhangwei").password_hash.startswith("$argon2id$")
    assert PASSWORD not in _everything_stored()


@pytest.mark.parametrize("username, password", [("zhangwei", "wrong-password"), ("nobody", PASSWORD),
                                                ("zhangwei", ""), ("", ""), ("zhangwei", None)])
def test_a_wrong_name_or_password_gets_one_message(plant, username, password):
    with pytest.raises(store.SignInRefused) as refused:
        store.authenticate(username=username, password=password)
    assert refused.value.key == "err.sign_in_failed"


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(plant):
    for attempt in range(4):
        with pytest.raises(store.SignInRefused) as refused:
            store.authenticate(username="zhangwei", password=f"guess-{attempt}", now=NOW)
        assert refused.value.key == "err.sign_in_failed"
    with pytest.raises(store.SignInRefused) as refused:
        store.authenticate(username="zhangwei", password="guess-5", now=NOW)
    assert (refused.value.key, refused.value.values) == ("err.locked", {"minutes": 15})
    with pytest.raises(store.SignInRefused) as refused:                       # the right password waits too
        store.authenticate(username="zhangwei", password=PASSWORD, now=NOW + timedelta(minutes=14))
    assert (refused.value.key, refused.value.values) == ("err.locked", {"minutes": 1})
    assert store.authenticate(username="zhangwei", password=PASSWORD, now=NOW + timedelta(minutes=15)).role == "owner"
    account = _account("zhangwei")
    assert (account.failed_attempts, account.locked_until) == (0, None)


def test_a_right_password_resets_the_count_of_wrong_ones(plant):
    for attempt in range(4):
        with pytest.raises(store.SignInRefused):
            store.authenticate(username="zhangwei", password=f"guess-{attempt}", now=NOW)
    store.authenticate(username="zhangwei", password=PASSWORD, now=NOW)
    with pytest.raises(store.SignInRefused) as refused:
        store.authenticate(username="zhangwei", password="guess-again", now=NOW)
    assert refused.value.key == "err.sign_in_failed"


def test_password_change_needs_the_current_one(plant):
    owner = plant["owner"].id
    with pytest.raises(store.SignInRefused) as refused:
        store.change_password(actor_id=owner, current_password="not-it", new_password="new-secret-22")
    assert refused.value.key == "err.password_wrong"
    with pytest.raises(store.ValidationFailed) as short:
        store.change_password(actor_id=owner, current_password=PASSWORD, new_password="short")
    assert short.value.values == {"limit": 8}
    store.change_password(actor_id=owner, current_password=PASSWORD, new_password="new-secret-22")
    assert store.authenticate(username="zhangwei", password="new-secret-22").person_id == owner
    with pytest.raises(store.SignInRefused):
        store.authenticate(username="zhangwei", password=PASSWORD)
    assert "new-secret-22" not in _everything_stored()


def test_an_admin_reset_sets_a_new_password_and_lifts_the_lockout(plant):
    admin = store.create_admin(username="boss", name="王总", email="boss@plant.example", password="admin-secret-1")
    for attempt in range(5):
        with pytest.raises(store.SignInRefused):
            store.authenticate(username="zhangwei", password=f"guess-{attempt}")
    store.reset_password(actor_id=admin.person_id, person_id=plant["owner"].id, new_password="reset-secret-3")
    assert store.authenticate(username="zhangwei", password="reset-secret-3").person_id == plant["owner"].id
    history = [(e["field"], e["new"]) for e in store.admin_history() if e["entity"] == "account"]
    assert ("password_reset", None) in history


def test_create_admin_from_the_command_line(database_url, engine, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("first-admin-pw\n"))
    assert main(["create-admin", "--username", "Boss", "--name", "王总", "--email", "boss@plant.example",
                 "--password-stdin"]) == 0
    assert capsys.readouterr().out == "administrator boss created\n"
    signed = store.authenticate(username="boss", password="first-admin-pw")
    assert (signed.role, signed.name) == ("admin", "王总")
    monkeypatch.setattr("sys.stdin", io.StringIO("first-admin-pw\n"))
    people = len(store.reference_lists()["people"])
    assert main(["create-admin", "--username", "boss", "--name", "李总", "--email", "li@plant.example",
                 "--password-stdin"]) == 2
    assert "“Username” “boss” exists already" in capsys.readouterr().err
    assert len(store.reference_lists()["people"]) == people                 # both or neither


def test_single_sign_on_maps_the_email_to_the_person(plant):
    assert store.signed_in_by_email("Sun.Li@Plant.example").person_id == plant["lead"].id
    assert store.signed_in_by_email("sun.li@plant.example").role == "facilitator"
    assert store.signed_in_by_email("stranger@plant.example") is None
    visitor = store.create_person(name="访客", email="visitor@plant.example")
    assert store.signed_in_by_email("visitor@plant.example").role == "viewer"
    assert store.signed_in_person(visitor.id) is None
