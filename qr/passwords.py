"""Password hashing with argon2id: only the hash is stored, and verifying never needs the plaintext back."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
MIN_LENGTH = 8


def use_hasher(hasher: PasswordHasher) -> None:
    """Tests swap in argon2's cheapest profile: the same code path without a fifth of a second per hash."""
    global _HASHER
    _HASHER = hasher


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """False for a wrong password and for an account without one (single sign-on only); the latter takes as
    long as a real check, so the time taken does not tell which usernames exist."""
    try:
        return _HASHER.verify(password_hash or _HASHER.hash("no account"), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False
