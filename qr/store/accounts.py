"""Accounts and local sign-in: roles, passwords, the sign-in throttle, demo accounts, and who the signed-in
person is now."""
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, select

from models import Account, Person, SignInFailure
from qr import passwords, rules
from qr.audit import Entity
from qr.store.base import (Context, NotFound, SignInRefused, ValidationFailed, _add_config, _audit, _authorize,
                           _end_sessions, _get, _is_whole_number, _require_unique, _require_unique_email, _text,
                           command, query)

USERNAME_MAX = 60
CLIENT_MAX = 100
FAILURE_WINDOW = timedelta(minutes=15)
FREE_TRIES = 5          # wrong passwords a client may type for one username before each next try waits longer
CLIENT_LIMIT = 50       # refused sign-ins one client may make in the window, whatever the usernames


@dataclass(frozen=True)
class SignedIn:
    """Who is using the app: the person (every write is recorded for them) and their role."""

    person_id: int
    name: str
    name_en: str
    username: str
    role: str


def _signed_in(account: Account, person: Person) -> SignedIn:
    return SignedIn(person_id=person.id, name=person.name, name_en=person.name_en or person.name,
                    username=account.username, role=account.role)


def _new_password(password, *, user_inputs: tuple[str, ...] = (), published: bool = False) -> str:
    """At least 8 characters and not a common or guessable one (NIST SP 800-63B); only the demo's published
    password skips the guessability check, and its accounts are marked demo."""
    if not isinstance(password, str) or len(password) < passwords.MIN_LENGTH:
        raise ValidationFailed("err.password_short", limit=passwords.MIN_LENGTH)
    if len(password) > 200 or "\x00" in password:
        raise ValidationFailed("err.too_long", field="password", limit=200)
    if not published and passwords.too_guessable(password, user_inputs):
        raise ValidationFailed("err.password_common")
    return passwords.published_hash(password) if published else passwords.hash_password(password)


def _role_choice(role) -> str:
    if role not in rules.ROLES:
        raise ValidationFailed("err.bad_choice", field="role")
    return role


def _account_of(session: Session, person_id: int) -> Account:
    account = session.exec(select(Account).where(Account.person_id == person_id)).first()
    if account is None:
        raise NotFound("err.not_found", field="account", value=str(person_id))
    return account


@command
def create_account(*, session: Session, actor_id: int | None, person_id: int, username: str, role: str,
                   password: str | None = None, demo: bool = False, ctx: Context) -> Account:
    """A person's account: a password for local sign-in, or none for single sign-on only (matched by e-mail).
    `demo` marks the demo data's accounts, whose password is published in the README."""
    _authorize(session, actor_id, "manage_users")
    account = _add_account(session, actor_id=actor_id, person=_get(session, Person, person_id, "person"),
                           username=username, role=role, password=password, demo=bool(demo), now=ctx.now)
    session.commit()
    return account


def _add_account(session: Session, *, actor_id, person: Person, username, role, password, now,
                 demo: bool = False) -> Account:
    username = _text(username, "username", required=True, limit=USERNAME_MAX).lower()
    _require_unique(session, Account.username, username, "username")
    _require_unique(session, Account.person_id, person.id, "person")
    password_hash = None if password is None else _new_password(
        password, user_inputs=(username, person.name, person.name_en, person.email or ""), published=demo)
    account = Account(person_id=person.id, username=username, role=_role_choice(role), created_at=now, demo=demo,
                      password_hash=password_hash)
    session.add(account)
    session.flush()
    _audit(session, at=now, actor_id=actor_id, entity=Entity.ACCOUNT, entity_id=account.id, issue_id=None,
           field_name="created", old=None, new=f"{username} ({account.role})")
    return account


@command
def create_admin(*, session: Session, username: str, name: str, email: str, password: str,
                 ctx: Context) -> Account:
    """The first administrator (python -m qr create-admin): a person and an admin account, both or neither."""
    person = Person(name=_text(name, "name", required=True, limit=100), name_en=_text(name, "name", required=True,
                                                                                     limit=100),
                    email=_text(email, "email", required=True, limit=200))
    _require_unique_email(session, person.email)
    _add_config(session, person, actor_id=None, now=ctx.now, label=person.name, commit=False)
    account = _add_account(session, actor_id=None, person=person, username=username, role="admin",
                           password=password, now=ctx.now)
    session.commit()
    return account


def _managed_account(session: Session, actor_id: int | None, person_id: int) -> Account:
    """The account an administrator manages: the right to manage users is asked before the account is looked up."""
    _authorize(session, actor_id, "manage_users")
    return _account_of(session, person_id)


def _account_changed(session: Session, ctx: Context, account: Account, *, actor_id, field_name, old=None,
                     new=None) -> Account:
    """Audit one change of an account and commit it (a password is never audited, not even its hash)."""
    _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.ACCOUNT, entity_id=account.id, issue_id=None,
           field_name=field_name, old=old, new=new)
    session.commit()
    return account


@command
def set_role(*, session: Session, actor_id: int | None, person_id: int, role: str,
             ctx: Context) -> Account:
    """An admin changes what a person may do; the last active admin is kept, so the board stays administrable."""
    account = _managed_account(session, actor_id, person_id)
    role = _role_choice(role)
    if account.role == role:
        raise ValidationFailed("err.no_change")
    if account.role == "admin" and session.exec(select(func.count()).select_from(Account).where(
            Account.role == "admin", Account.active)).one() <= 1:
        raise ValidationFailed("err.last_admin")
    old, account.role = account.role, role
    _end_sessions(session, account.person_id, ctx.now)
    return _account_changed(session, ctx, account, actor_id=actor_id, field_name="role", old=old, new=role)


@command
def reset_password(*, session: Session, actor_id: int | None, person_id: int, new_password: str,
                   ctx: Context) -> Account:
    """An admin sets a new password (the person forgot it) and lifts a lockout."""
    account = _managed_account(session, actor_id, person_id)
    account.password_hash = _new_password(new_password, user_inputs=(account.username,))
    session.execute(delete(SignInFailure).where(SignInFailure.username == account.username))    # lifts the throttle
    _end_sessions(session, account.person_id, ctx.now)
    return _account_changed(session, ctx, account, actor_id=actor_id, field_name="password_reset")


@command
def change_password(*, session: Session, actor_id: int, current_password: str, new_password: str,
                    ctx: Context) -> Account:
    """A signed-in person changes their own password, proving the current one first."""
    _get(session, Person, actor_id, "actor")
    account = _account_of(session, actor_id)
    if not passwords.verify_password(account.password_hash, current_password or ""):
        raise SignInRefused("err.password_wrong")
    account.password_hash = _new_password(new_password, user_inputs=(account.username,))
    _end_sessions(session, account.person_id, ctx.now)
    return _account_changed(session, ctx, account, actor_id=actor_id, field_name="password_changed")


def _throttled(session: Session, name: str, client: str, now) -> bool:
    """Too many refusals from this client (any usernames), or this username's try comes before its growing
    wait from this client is over. Counted per client, so no one elsewhere can lock a person out of their own
    screen."""
    since = now - FAILURE_WINDOW
    from_client = session.exec(select(func.count()).select_from(SignInFailure)
                               .where(SignInFailure.client == client, SignInFailure.at >= since)).one()
    if from_client >= CLIENT_LIMIT:
        return True
    tries = session.exec(select(SignInFailure.at).where(SignInFailure.username == name, SignInFailure.client == client,
                                                        SignInFailure.at >= since)
                         .order_by(SignInFailure.at.desc())).all()
    return bool(tries) and now < tries[0] + rules.sign_in_delay(len(tries), free_tries=FREE_TRIES)


@command
def authenticate(*, session: Session, username: str, password: str, client: str = "", ctx: Context) -> SignedIn:
    """Local sign-in. An unknown username, a wrong password, a closed account and a throttled try get the same
    answer in the same time (one password check each); each refusal is recorded for the throttle before it is
    raised."""
    name = (username or "").strip().lower()[:USERNAME_MAX] if isinstance(username, str) else ""
    client = (client or "")[:CLIENT_MAX] if isinstance(client, str) else ""
    row = session.exec(select(Account, Person).join(Person, Account.person_id == Person.id)
                       .where(Account.username == name)).first()
    usable = row is not None and row[0].active and row[1].active
    throttled = _throttled(session, name, client, ctx.now)
    matches = passwords.verify_password(row[0].password_hash if usable else None,
                                        password if isinstance(password, str) else "")
    if usable and matches and not throttled:
        session.execute(delete(SignInFailure).where(SignInFailure.username == name, SignInFailure.client == client))
        session.commit()
        return _signed_in(*row)
    session.add(SignInFailure(username=name, client=client, at=ctx.now))
    session.execute(delete(SignInFailure).where(SignInFailure.at < ctx.now - FAILURE_WINDOW))   # the window only
    session.commit()
    raise SignInRefused("err.sign_in_failed")


@query
def signed_in_by_email(email: str, *, session: Session) -> SignedIn | None:
    """Single sign-on: the identity provider's e-mail names the person; without an account they may only read."""
    if not isinstance(email, str) or not email.strip():
        return None
    person = session.exec(select(Person).where(func.lower(Person.email) == email.strip().lower(),
                                               Person.active)).first()
    if person is None:
        return None
    account = session.exec(select(Account).where(Account.person_id == person.id)).first()
    if account is None or not account.active:
        return SignedIn(person_id=person.id, name=person.name, name_en=person.name_en or person.name,
                        username=email.strip().lower(), role="viewer")
    return _signed_in(account, person)


@query
def signed_in_person(person_id: int, *, session: Session) -> SignedIn | None:
    """The session's person as the database has them now: a role changed or an account closed counts at once."""
    person = session.get(Person, person_id) if _is_whole_number(person_id) else None
    if person is None or not person.active:
        return None
    account = session.exec(select(Account).where(Account.person_id == person.id)).first()
    if account is None or not account.active:
        return None
    return _signed_in(account, person)


@query
def accounts(*, session: Session) -> list[dict]:
    """Every account with its person, for the admin page's user list (no password hash)."""
    rows = session.exec(select(Account, Person).join(Person, Account.person_id == Person.id)
                        .order_by(Account.username)).all()
    return [{"person_id": person.id, "username": account.username, "name": person.name,
             "name_en": person.name_en or person.name, "email": person.email, "role": account.role,
             "active": account.active, "demo": account.demo,
             "has_password": account.password_hash is not None} for account, person in rows]


@command
def disable_demo_accounts(*, session: Session, ctx: Context) -> int:
    """A start without demo mode closes the demo's accounts: their password is published in the README."""
    demo = session.exec(select(Account).where(Account.demo, Account.active)).all()
    for account in demo:
        account.active = False
        _end_sessions(session, account.person_id, ctx.now)
        _audit(session, at=ctx.now, actor_id=None, entity=Entity.ACCOUNT, entity_id=account.id, issue_id=None,
               field_name="active", old=True, new=False, reason="QR_DEMO=0")
    session.commit()
    return len(demo)


@command
def delete_demo_accounts(*, session: Session, actor_id: int | None, ctx: Context) -> int:
    """An administrator removes the demo's accounts for good (their people and history stay)."""
    _authorize(session, actor_id, "manage_users")
    demo = session.exec(select(Account).where(Account.demo)).all()
    for account in demo:
        _end_sessions(session, account.person_id, ctx.now)
        _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.ACCOUNT, entity_id=account.id, issue_id=None,
               field_name="deleted", old=account.username, new=None)
    session.execute(delete(Account).where(Account.id.in_([account.id for account in demo])))
    session.commit()
    return len(demo)
