"""Password hashing with argon2id: only the hash is stored, and verifying never needs the plaintext back."""
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

_HASHER = PasswordHasher()
MIN_LENGTH = 8
MIN_STRENGTH = 2        # zxcvbn's 0–4: below this a password is on a common list or a simple pattern of one


def use_hasher(hasher: PasswordHasher) -> None:
    """Tests swap in argon2's cheapest profile: the same code path without a fifth of a second per hash."""
    global _HASHER
    _HASHER = hasher
    _no_account_hash.cache_clear()
    published_hash.cache_clear()


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


@cache
def published_hash(password: str) -> str:
    """The demo accounts' password is published, so one hash (one salt) serves them all: hashing it for each of
    them was a third of a fresh demo site's first start."""
    return _HASHER.hash(password)


@cache
def _no_account_hash() -> str:
    """Made once: checking against it costs one verification, as a real account's check does."""
    return _HASHER.hash("no account")


def verify_password(password_hash: str | None, password: str) -> bool:
    """False for a wrong password and for an account without one (unknown, or single sign-on only); the latter
    takes as long as a real check, so the time taken does not tell which usernames exist."""
    try:
        return _HASHER.verify(password_hash or _no_account_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def too_guessable(password: str, user_inputs: tuple[str, ...] = ()) -> bool:
    """A common password, a keyboard or date pattern, or one built from the person's own names."""
    return zxcvbn(password[:100], user_inputs=[value for value in user_inputs if value])["score"] < MIN_STRENGTH
