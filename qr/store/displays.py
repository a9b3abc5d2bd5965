"""Display tokens: a TV by the line opens `/?view=tv&token=…` and shows the board read-only without signing in.
The token is 32 random bytes shown once; the database keeps only its SHA-256 (a random token needs no slow hash),
compared in constant time. An administrator creates and revokes them (admin page, `python -m qr display-token`)."""
from datetime import timedelta
import hashlib
import hmac
import secrets

from sqlmodel import Session, select

from models import DisplayToken, Person
from qr.audit import Entity
from qr.store.base import Context, NotFound, ValidationFailed, _audit, _authorize, _text, command, query

NAME_MAX = 60
TOKEN_MAX = 200
SEEN_EVERY = timedelta(minutes=1)       # last seen moves at most this often: no write at every refresh


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _live(session: Session, name: str) -> DisplayToken | None:
    return session.exec(select(DisplayToken).where(DisplayToken.name == name,
                                                   DisplayToken.revoked_at.is_(None))).first()


@command
def create_display_token(*, session: Session, actor_id: int | None, name: str, ctx: Context) -> str:
    """A new display token named for its screen; returns the token, which is never shown again."""
    _authorize(session, actor_id, "configure")
    name = _text(name, "display_name", required=True, limit=NAME_MAX)
    if _live(session, name) is not None:
        raise ValidationFailed("err.duplicate", field="display_name", value=name)
    token = secrets.token_urlsafe(32)
    row = DisplayToken(name=name, token_hash=_token_hash(token), created_at=ctx.now, created_by_id=actor_id)
    session.add(row)
    session.flush()
    _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.DISPLAY_TOKEN, entity_id=row.id, issue_id=None,
           field_name="created", old=None, new=name)
    session.commit()
    return token


@command
def revoke_display_token(*, session: Session, actor_id: int | None, name: str, ctx: Context) -> None:
    """The screen's token stops working at its next refresh."""
    _authorize(session, actor_id, "configure")
    name = _text(name, "display_name", required=True, limit=NAME_MAX)
    row = _live(session, name)
    if row is None:
        raise NotFound("err.not_found", field="display_name", value=name)
    row.revoked_at = ctx.now
    _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.DISPLAY_TOKEN, entity_id=row.id, issue_id=None,
           field_name="revoked", old=name, new=None)
    session.commit()


@command
def open_display(token: str | None, *, session: Session, ctx: Context) -> str | None:
    """The name of the live display the token opens, else None (unknown, forged or revoked). Every live token's
    hash is compared, each in constant time, so the answer's timing tells nothing of which nearly matched."""
    if not isinstance(token, str) or not 0 < len(token) <= TOKEN_MAX:
        return None
    wanted = _token_hash(token)
    found = None
    for row in session.exec(select(DisplayToken).where(DisplayToken.revoked_at.is_(None))).all():
        if hmac.compare_digest(row.token_hash, wanted):
            found = row
    if found is None:
        return None
    if found.last_seen_at is None or found.last_seen_at < ctx.now - SEEN_EVERY:
        found.last_seen_at = ctx.now
        session.commit()
    return found.name


@query
def display_tokens(*, session: Session) -> list[dict]:
    """Every display token, live ones first, newest first: name, who created it and when, revoked, last seen."""
    rows = session.exec(select(DisplayToken, Person).join(Person, DisplayToken.created_by_id == Person.id,
                                                          isouter=True)
                        .order_by(DisplayToken.revoked_at.is_not(None), DisplayToken.id.desc())).all()
    return [{"id": token.id, "name": token.name, "created_at": token.created_at,
             "created_by": person.name if person else "", "created_by_en": (person.name_en or person.name)
             if person else "", "revoked_at": token.revoked_at, "last_seen_at": token.last_seen_at}
            for token, person in rows]
