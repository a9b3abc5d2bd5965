"""Accounts and local sign-in: roles, passwords, lockout, and who the signed-in person is now."""
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from models import Account, Person
from qr import passwords, rules
from qr.audit import Entity
from qr.store.base import (Context, NotFound, SignInRefused, ValidationFailed, _add_config, _audit, _authorize, _get,
                           _is_whole_number, _require_unique, _text, command, query)

USERNAME_MAX = 60
LOCKOUT_ATTEMPTS = 5
LOCKOUT_MINUTES = 15


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


def _new_password(password) -> str:
    if not isinstance(password, str) or len(password) < passwords.MIN_LENGTH:
        raise ValidationFailed("err.password_short", limit=passwords.MIN_LENGTH)
    if len(password) > 200 or "\x00" in password:
        raise ValidationFailed("err.too_long", field="password", limit=200)
    return passwords.hash_password(password)


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
                   password: str | None = None, ctx: Context) -> Account:
    """A person's account: a password for local sign-in, or none for single sign-on only (matched by e-mail)."""
    _authorize(session, actor_id, "manage_users")
    account = _add_account(session, actor_id, _get(session, Person, person_id, "person"), username, role, password,
                           ctx.now)
    session.commit()
    return account


def _add_account(session: Session, actor_id, person: Person, username, role, password, now) -> Account:
    username = _text(username, "username", required=True, limit=USERNAME_MAX).lower()
    _require_unique(session, Account.username, username, "username")
    _require_unique(session, Account.person_id, person.id, "person")
    account = Account(person_id=person.id, username=username, role=_role_choice(role), created_at=now,
                      password_hash=None if password is None else _new_password(password))
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
    _require_unique(session, Person.email, person.email, "email")
    _add_config(session, person, actor_id=None, now=ctx.now, label=person.name, commit=False)
    account = _add_account(session, None, person, username, "admin", password, ctx.now)
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
    return _account_changed(session, ctx, account, actor_id=actor_id, field_name="role", old=old, new=role)


@command
def reset_password(*, session: Session, actor_id: int | None, person_id: int, new_password: str,
                   ctx: Context) -> Account:
    """An admin sets a new password (the person forgot it) and lifts a lockout."""
    account = _managed_account(session, actor_id, person_id)
    account.password_hash = _new_password(new_password)
    account.failed_attempts, account.locked_until = 0, None
    return _account_changed(session, ctx, account, actor_id=actor_id, field_name="password_reset")


@command
def change_password(*, session: Session, actor_id: int, current_password: str, new_password: str,
                    ctx: Context) -> Account:
    """A signed-in person changes their own password, proving the current one first."""
    _get(session, Person, actor_id, "actor")
    account = _account_of(session, actor_id)
    if not passwords.verify_password(account.password_hash, current_password or ""):
        raise SignInRefused("err.password_wrong")
    account.password_hash = _new_password(new_password)
    return _account_changed(session, ctx, account, actor_id=actor_id, field_name="password_changed")


@command
def authenticate(*, session: Session, username: str, password: str, ctx: Context) -> SignedIn:
    """Local sign-in. Five wrong passwords in a row lock the account for 15 minutes; a locked account is refused
    even with the right password. Failures are committed before the refusal is raised."""
    name = (username or "").strip().lower() if isinstance(username, str) else ""
    row = session.exec(select(Account, Person).join(Person, Account.person_id == Person.id)
                       .where(Account.username == name)).first()
    if row is None or not row[0].active or not row[1].active:
        passwords.verify_password(None, password or "")
        raise SignInRefused("err.sign_in_failed")
    account, person = row
    if account.locked_until is not None and account.locked_until > ctx.now:
        minutes = max(1, -(-int((account.locked_until - ctx.now).total_seconds()) // 60))
        raise SignInRefused("err.locked", minutes=minutes)
    if passwords.verify_password(account.password_hash, password if isinstance(password, str) else ""):
        account.failed_attempts, account.locked_until = 0, None
        session.commit()
        return _signed_in(account, person)
    account.failed_attempts += 1
    locked = rules.lockout_until(account.failed_attempts, ctx.now, LOCKOUT_ATTEMPTS, LOCKOUT_MINUTES)
    if locked is not None:
        account.failed_attempts, account.locked_until = 0, locked
        _audit(session, at=ctx.now, actor_id=person.id, entity=Entity.ACCOUNT, entity_id=account.id, issue_id=None,
               field_name="locked_until", old=None, new=locked.isoformat(timespec="seconds"))
    session.commit()
    if locked is not None:
        raise SignInRefused("err.locked", minutes=LOCKOUT_MINUTES)
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
             "active": account.active, "locked_until": account.locked_until,
             "has_password": account.password_hash is not None} for account, person in rows]
