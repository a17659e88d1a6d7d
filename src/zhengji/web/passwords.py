"""Password hashing (argon2id) and the password policy.

Policy (NIST SP 800-63B style): at least 12 characters; an ASCII password shorter than 16
mixes two character classes; not containing the username; not in a small list of common
passwords. Length matters more than composition rules. The hash is argon2id with
argon2-cffi's RFC 9106 low-memory profile.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from zhengji.errors import ZhengjiError

__all__ = ["MIN_LENGTH", "check_policy", "hash_password", "needs_rehash", "verify_password"]

MIN_LENGTH = 12
_COMMON = frozenset(
    {
        "123456789012",
        "password1234",
        "passwordpassword",
        "qwertyuiopas",
        "admin1234567",
        "zhengji12345",
        "111111111111",
        "abc123456789",
        "1q2w3e4r5t6y",
    }
)
_HASHER = PasswordHasher()  # argon2id, RFC 9106 low-memory profile (t=3, m=64 MiB, p=4)


def check_policy(password: str, username: str = "") -> None:
    """Raise a bilingual error saying what to change if ``password`` is too weak."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"至少{MIN_LENGTH}个字符 at least {MIN_LENGTH} characters")
    if len(password) < 16 and password.isascii():  # Chinese characters: ~11 bits each
        classes = sum(
            [
                any(c.islower() for c in password),
                any(c.isupper() for c in password),
                any(c.isdigit() for c in password),
                any(not c.isalnum() for c in password),
            ]
        )
        if classes < 2:
            problems.append(
                "少于16个字符时须混合两类字符 under 16 characters, mix at least two of: "
                "lower case, upper case, digits, symbols"
            )
    if username and username.lower() in password.lower():
        problems.append("不得包含用户名 must not contain the username")
    if password.lower() in _COMMON or len(set(password)) < 4:
        problems.append("过于常见或重复 too common or repetitive")
    if problems:
        raise ZhengjiError("密码不符合要求 password policy: " + "; ".join(problems))


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _HASHER.check_needs_rehash(stored_hash)
