"""Ed25519 keys: PEM in and out, raw bytes, and the ``key_id`` of DESIGN §2.

``key_id`` is the lowercase hex of the first 16 bytes of SHA-256 of the raw 32-byte
public key. ``verify()`` raises, never returns a bool.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from nacl.bindings import crypto_core_ed25519_is_valid_point

from clearinghouse.errors import InvalidInput, VerificationError

__all__ = ["SigningKey", "VerifyKey", "is_encrypted_pem", "key_id_of"]


def is_encrypted_pem(data: bytes) -> bool:
    """Whether a PEM private key file is an encrypted PKCS#8 one."""
    return b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in data


def key_id_of(raw_public_key: bytes) -> str:
    """The key_id of a raw 32-byte Ed25519 public key."""
    if len(raw_public_key) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return hashlib.sha256(raw_public_key).digest()[:16].hex()


@dataclass(frozen=True)
class VerifyKey:
    """An Ed25519 public key."""

    raw: bytes

    def __post_init__(self) -> None:
        if len(self.raw) != 32:
            raise ValueError("an Ed25519 public key is 32 bytes")

    @classmethod
    def from_pem(cls, data: bytes | str) -> VerifyKey:
        """Load a SubjectPublicKeyInfo PEM of a usable key; anything else is InvalidInput."""
        if isinstance(data, str):
            data = data.encode()
        try:
            key = serialization.load_pem_public_key(data)
        except ValueError as exc:
            raise InvalidInput(f"not a PEM public key: {exc}") from None
        if not isinstance(key, Ed25519PublicKey):
            raise InvalidInput("the public key is not an Ed25519 key")
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        # A key of small or mixed order (or a non-canonical encoding) lets signatures be
        # made without a private key; a generated key is always in the prime-order group.
        if not crypto_core_ed25519_is_valid_point(raw):
            raise InvalidInput("the public key is not a point of the Ed25519 prime-order group")
        return cls(raw)

    @property
    def key_id(self) -> str:
        return key_id_of(self.raw)

    def to_pem(self) -> bytes:
        return self._key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def verify(self, signature: bytes, message: bytes) -> None:
        """Raise VerificationError unless ``signature`` is this key's over ``message``."""
        try:
            self._key().verify(signature, message)
        except InvalidSignature:
            raise VerificationError("signature does not verify") from None

    def _key(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.raw)


class SigningKey:
    """An Ed25519 private key. Its bytes never appear in repr or logs."""

    __slots__ = ("_key",)

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, seed: bytes) -> SigningKey:
        """A key from its raw 32-byte seed (RFC 8032 test vectors use this form)."""
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def from_pem(cls, data: bytes | str, passphrase: bytes | str | None = None) -> SigningKey:
        """Load a PKCS#8 PEM, encrypted when ``passphrase`` is given; anything else (a
        wrong passphrase included) is InvalidInput."""
        if isinstance(data, str):
            data = data.encode()
        if isinstance(passphrase, str):
            passphrase = passphrase.encode("utf-8")
        try:
            key = serialization.load_pem_private_key(data, password=passphrase or None)
        except TypeError:
            if passphrase:
                raise InvalidInput("the private key is not encrypted; give no passphrase") from None
            raise InvalidInput("the private key is encrypted: a passphrase is needed") from None
        except ValueError as exc:
            if passphrase and is_encrypted_pem(data):
                raise InvalidInput("wrong passphrase for the encrypted private key") from None
            raise InvalidInput(f"not a PEM private key: {exc}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise InvalidInput("the private key is not an Ed25519 key")
        return cls(key)

    def to_pem(self, passphrase: bytes | str | None = None) -> bytes:
        """PKCS#8 PEM; encrypted with ``passphrase`` (the library's best available
        PKCS#8 encryption) when one is given."""
        if isinstance(passphrase, str):
            passphrase = passphrase.encode("utf-8")
        encryption = (
            serialization.BestAvailableEncryption(passphrase)
            if passphrase
            else serialization.NoEncryption()
        )
        return self._key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )

    @property
    def verify_key(self) -> VerifyKey:
        return VerifyKey(
            self._key.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            )
        )

    @property
    def key_id(self) -> str:
        return self.verify_key.key_id

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)

    def __repr__(self) -> str:
        return f"SigningKey(key_id={self.key_id!r})"
