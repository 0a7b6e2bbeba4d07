from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from cryptography.fernet import Fernet

from pushes import crypto

if TYPE_CHECKING:
    from pytest_django.fixtures import Settings


def test_round_trip_hides_the_plaintext() -> None:
    token = crypto.encrypt("top-secret-key")
    assert "top-secret-key" not in token
    assert crypto.decrypt(token) == "top-secret-key"


def test_keys_rotate_with_multifernet(settings: Settings) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FERNET_KEYS = [old]
    token = crypto.encrypt("s3cret")
    settings.FERNET_KEYS = [new, old]
    assert crypto.decrypt(token) == "s3cret"
    rotated = crypto.rotate(token)
    settings.FERNET_KEYS = [new]
    assert crypto.decrypt(rotated) == "s3cret"
    with pytest.raises(crypto.SecretDecryptionError):
        crypto.decrypt(token)
