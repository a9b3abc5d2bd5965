"""Local accounts: argon2 hashes (never the password), the sign-in throttle, password change and reset, common
passwords refused, the first administrator from the command line, and single sign-on's mapping by e-mail."""
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


def _refused(username: str, password: str, *, client: str, at: datetime) -> None:
    with pytest.raises(store.SignInRefused) as refused:
        store.authenticate(username=username, password=password, client=client, now=at)
    assert refused.value.key == "err.sign_in_failed"          # the same words whatever the reason


def test_after_five_wrong_passwords_each_try_from_that_client_waits_longer(plant):
    for attempt in range(5):
        _refused("zhangwei", f"guess-{attempt}", client="10.0.0.9", at=NOW)
    _refused("zhangwei", PASSWORD, client="10.0.0.9", at=NOW + timedelta(milliseconds=500))   # within 1 s: waits
    # that early try counted too: six now, so the next waits 2 s from it
    _refused("zhangwei", PASSWORD, client="10.0.0.9", at=NOW + timedelta(seconds=2))
    assert store.authenticate(username="zhangwei", password=PASSWORD, client="10.0.0.9",
                              now=NOW + timedelta(seconds=7)).role == "owner"


def test_guesses_elsewhere_never_lock_a_person_out_of_their_own_screen(plant):
    for attempt in range(12):                                   # an attacker at another address keeps guessing
        _refused("zhangwei", f"guess-{attempt}", client="203.0.113.7", at=NOW + timedelta(minutes=attempt))
    assert store.authenticate(username="zhangwei", password=PASSWORD, client="10.0.0.9",
                              now=NOW + timedelta(minutes=12)).person_id == plant["owner"].id


def test_the_wait_doubles_and_stops_at_fifteen_minutes():
    from qr.rules import sign_in_delay
    assert [sign_in_delay(n).total_seconds() for n in (0, 4, 5, 6, 7, 14, 40)] == [0, 0, 1, 2, 4, 512, 900]


def test_a_client_is_stopped_after_fifty_refusals_whatever_the_usernames(plant):
    for attempt in range(50):
        _refused(f"user{attempt}", "guess", client="198.51.100.4", at=NOW)
    _refused("zhangwei", PASSWORD, client="198.51.100.4", at=NOW)       # even the right password, from there
    assert store.authenticate(username="zhangwei", password=PASSWORD, client="198.51.100.4",
                              now=NOW + timedelta(minutes=16)).role == "owner"       # the window has passed


def test_a_right_password_clears_that_clients_wrong_ones(plant):
    for attempt in range(4):
        _refused("zhangwei", f"guess-{attempt}", client="10.0.0.9", at=NOW)
    store.authenticate(username="zhangwei", password=PASSWORD, client="10.0.0.9", now=NOW)
    for attempt in range(4):
        _refused("zhangwei", f"again-{attempt}", client="10.0.0.9", at=NOW)
    assert store.authenticate(username="zhangwei", password=PASSWORD, client="10.0.0.9", now=NOW).role == "owner"


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


def test_an_admin_reset_sets_a_new_password_and_lifts_the_throttle(plant):
    admin = store.create_admin(username="boss", name="王总", email="boss@plant.example", password="admin-secret-1")
    for attempt in range(12):
        _refused("zhangwei", f"guess-{attempt}", client="10.0.0.9", at=NOW)
    store.reset_password(actor_id=admin.person_id, person_id=plant["owner"].id, new_password="reset-secret-3",
                         now=NOW)
    assert store.authenticate(username="zhangwei", password="reset-secret-3", client="10.0.0.9",
                              now=NOW).person_id == plant["owner"].id
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


@pytest.mark.parametrize("password", ["password1", "12345678", "qwertyuiop", "iloveyou", "zhangwei1"])
def test_a_common_or_guessable_password_is_refused(plant, password):
    with pytest.raises(store.ValidationFailed) as refused:
        store.change_password(actor_id=plant["owner"].id, current_password=PASSWORD, new_password=password)
    assert refused.value.key == "err.password_common"


def test_e_mails_are_unique_whatever_their_case(plant):
    with pytest.raises(store.ValidationFailed) as refused:
        store.create_person(name="同名", email="Zhang.Wei@Plant.Example")
    assert (refused.value.key, refused.value.values["field"]) == ("err.duplicate", "email")
    store.update_person(actor_id=None, person_id=plant["owner"].id, name="张伟", name_en="Zhang Wei",
                        email="ZHANG.WEI@plant.example", area_id=plant["area"].id)   # one's own, in capitals
