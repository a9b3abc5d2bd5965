"""Server-side sign-in sessions: a random token in an HttpOnly cookie, only its SHA-256 in the database, so a
reload, a new tab, a link or another app instance finds the same person, and a sign-out ends it everywhere."""
from datetime import timedelta
import hashlib
import secrets

from sqlalchemy import update
from sqlmodel import Session, select

from models import Account, Person, SignInSession
from qr.store.accounts import CLIENT_MAX, SignedIn, _signed_in
from qr.store.base import Context, NotFound, _is_whole_number, command, query

KEEP_DAYS = 30
TOKEN_MAX = 200
TOUCH_EVERY = timedelta(minutes=1)      # a sliding expiry moves at most this often: no write at every rerun


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _length(ctx: Context, keep: bool) -> timedelta:
    return timedelta(days=KEEP_DAYS) if keep else timedelta(hours=ctx.settings.session_hours)


@command
def open_session(*, session: Session, person_id: int, keep: bool = False, client: str = "", ctx: Context) -> str:
    """A new sign-in for the person; returns the token for the cookie (the database keeps only its hash)."""
    if not _is_whole_number(person_id) or session.get(Person, person_id) is None:
        raise NotFound("err.not_found", field="person", value=str(person_id))
    token = secrets.token_urlsafe(32)
    session.add(SignInSession(token_hash=_token_hash(token), person_id=person_id, created_at=ctx.now,
                              last_seen_at=ctx.now, expires_at=ctx.now + _length(ctx, bool(keep)), keep=bool(keep),
                              client=(client or "")[:CLIENT_MAX]))
    session.commit()
    return token


def _usable(token) -> bool:
    return isinstance(token, str) and 0 < len(token) <= TOKEN_MAX


@query
def session_person(token: str | None, *, session: Session, ctx: Context) -> SignedIn | None:
    """The person a cookie's token signs in, as the database has them now; None when the token is unknown,
    forged, expired or ended, or the person's account is closed."""
    if not _usable(token):
        return None
    row = session.exec(select(SignInSession, Account, Person).join(Person, SignInSession.person_id == Person.id)
                       .join(Account, Account.person_id == Person.id)
                       .where(SignInSession.token_hash == _token_hash(token))).first()
    if row is None:
        return None
    sign_in, account, person = row
    if sign_in.revoked_at is not None or sign_in.expires_at <= ctx.now or not account.active or not person.active:
        return None
    return _signed_in(account, person)


@command
def touch_session(*, session: Session, token: str, ctx: Context) -> None:
    """Slide a live session's expiry on from now (once a minute at most)."""
    if not _usable(token):
        return
    sign_in = session.exec(select(SignInSession).where(SignInSession.token_hash == _token_hash(token),
                                                       SignInSession.revoked_at.is_(None),
                                                       SignInSession.expires_at > ctx.now,
                                                       SignInSession.last_seen_at < ctx.now - TOUCH_EVERY)).first()
    if sign_in is not None:
        sign_in.last_seen_at, sign_in.expires_at = ctx.now, ctx.now + _length(ctx, sign_in.keep)
        session.commit()


@command
def end_session(*, session: Session, token: str, ctx: Context) -> None:
    """Sign-out: the session ends on the server, so every tab holding its cookie asks again."""
    if _usable(token):
        session.execute(update(SignInSession).where(SignInSession.token_hash == _token_hash(token),
                                                    SignInSession.revoked_at.is_(None))
                        .values(revoked_at=ctx.now).execution_options(synchronize_session=False))
        session.commit()
