"""Server-side sign-in sessions: only a hash of the cookie's token is stored; a session slides on while used,
expires, and ends with sign-out or a change to the person's password, role or account; sign-in refusals give
nothing away, not even in the time they take."""
from datetime import datetime, timedelta, timezone
import time

from argon2 import PasswordHasher, profiles
import pytest
from sqlmodel import select

from models import SignInSession
from qr import db, passwords, store
from tests.conftest import PASSWORD

NOW = datetime(2026, 3, 9, 2, 0, tzinfo=timezone.utc)


def test_the_database_keeps_only_a_hash_of_the_token(plant):
    token = store.open_session(person_id=plant["owner"].id, client="Firefox on 10.0.0.9", now=NOW)
    with db.read_session() as session:
        stored = session.exec(select(SignInSession)).one()
    assert token not in repr(stored.model_dump()) and len(stored.token_hash) == 64
    assert store.session_person(token, now=NOW).person_id == plant["owner"].id


@pytest.mark.parametrize("forged", ["", "x" * 43, "a" * 500, None, 12345])
def test_a_forged_or_missing_token_signs_no_one_in(plant, forged):
    store.open_session(person_id=plant["owner"].id, now=NOW)
    assert store.session_person(forged, now=NOW) is None


def test_a_session_expires_after_the_set_hours_and_slides_while_used(plant, monkeypatch):
    monkeypatch.setenv("QR_SESSION_HOURS", "12")
    token = store.open_session(person_id=plant["owner"].id, now=NOW)
    assert store.session_person(token, now=NOW + timedelta(hours=11, minutes=59)) is not None
    store.touch_session(token=token, now=NOW + timedelta(hours=11))           # used: twelve hours from here
    assert store.session_person(token, now=NOW + timedelta(hours=22)) is not None
    assert store.session_person(token, now=NOW + timedelta(hours=23, seconds=1)) is None
    store.touch_session(token=token, now=NOW + timedelta(hours=24))          # an expired one does not come back
    assert store.session_person(token, now=NOW + timedelta(hours=24)) is None


def test_keep_me_signed_in_lasts_thirty_days(plant):
    token = store.open_session(person_id=plant["owner"].id, keep=True, now=NOW)
    assert store.session_person(token, now=NOW + timedelta(days=29, hours=23)) is not None
    assert store.session_person(token, now=NOW + timedelta(days=30, seconds=1)) is None


def test_sign_out_ends_the_session_on_the_server(plant):
    token = store.open_session(person_id=plant["owner"].id, now=NOW)
    other_device = store.open_session(person_id=plant["owner"].id, now=NOW)
    store.end_session(token=token, now=NOW)
    assert store.session_person(token, now=NOW) is None
    assert store.session_person(other_device, now=NOW) is not None


def _admin(plant):
    admin = store.create_admin(username="boss", name="王总", email="boss@plant.example", password="admin-secret-1")
    return admin.person_id


@pytest.mark.parametrize("change", ["password", "reset", "role", "deactivate"])
def test_a_change_to_the_person_ends_all_their_sessions(plant, change):
    admin, owner = _admin(plant), plant["owner"].id
    tokens = [store.open_session(person_id=owner, keep=keep) for keep in (False, True)]
    lead_token = store.open_session(person_id=plant["lead"].id)
    if change == "password":
        store.change_password(actor_id=owner, current_password=PASSWORD, new_password="brand-new-secret-5")
    elif change == "reset":
        store.reset_password(actor_id=admin, person_id=owner, new_password="reset-secret-77")
    elif change == "role":
        store.set_role(actor_id=admin, person_id=owner, role="viewer")
    else:
        store.update_person(actor_id=admin, person_id=owner, name="张伟", name_en="Zhang Wei",
                            email="zhang.wei@plant.example", area_id=plant["area"].id, active=False)
    assert [store.session_person(token) for token in tokens] == [None, None]
    assert store.session_person(lead_token).person_id == plant["lead"].id       # nobody else signed out


def test_a_start_without_demo_mode_closes_the_demo_accounts(plant):
    person = store.create_person(name="演示用户")
    store.create_account(actor_id=None, person_id=person.id, username="demo", role="owner", password="demo1234",
                         demo=True)
    token = store.open_session(person_id=person.id)
    assert store.disable_demo_accounts() == 1
    assert store.session_person(token) is None
    with pytest.raises(store.SignInRefused):
        store.authenticate(username="demo", password="demo1234")
    assert store.authenticate(username="zhangwei", password=PASSWORD).role == "owner"     # real accounts stay


def _least_work(attempts: dict, tries: int = 20) -> dict[str, float]:
    """The least work (this process's CPU seconds) of `tries` refusals of each kind, the kinds taken in turn. The
    time an answer takes is the work it does; counted in CPU time, other processes (a test worker, a browser)
    do not blur it as they blur the wall clock."""
    times = {kind: [] for kind in attempts}
    for n in range(tries):
        for kind, attempt in attempts.items():
            started = time.process_time()
            with pytest.raises(store.SignInRefused):
                attempt(n)
            times[kind].append(time.process_time() - started)
    return {kind: min(found) for kind, found in times.items()}


def test_unknown_user_wrong_password_and_throttled_account_take_the_same_time(plant):
    """Argon2 at its real cost, as in production: 20 tries each; least CPU times within 0.8–1.25 of each other."""
    passwords.use_hasher(PasswordHasher())
    try:
        store.reset_password(actor_id=None, person_id=plant["owner"].id, new_password="timed-secret-42")
        for n in range(8):                                      # throttle zhangwei for the client "locked"
            with pytest.raises(store.SignInRefused):
                store.authenticate(username="zhangwei", password=f"guess-{n}", client="locked", now=NOW)
        least_work = _least_work({
            "unknown": lambda n: store.authenticate(username=f"nobody{n}", password="x", client="a", now=NOW),
            "wrong": lambda n: store.authenticate(username="zhangwei", password=f"wrong-{n}", client=f"b{n}",
                                                  now=NOW),
            "throttled": lambda n: store.authenticate(username="zhangwei", password="timed-secret-42",
                                                      client="locked", now=NOW),
        })
    finally:
        passwords.use_hasher(PasswordHasher.from_parameters(profiles.CHEAPEST))       # as tests/conftest.py
    ratios = [a / b for a in least_work.values() for b in least_work.values()]
    assert all(0.8 <= ratio <= 1.25 for ratio in ratios), least_work
