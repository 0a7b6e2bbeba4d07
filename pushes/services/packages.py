"""Account packages: upload to storage, validation in a worker, error report, retention."""

from __future__ import annotations


def package_validate(*, package_id: int) -> None:
    raise NotImplementedError


def package_apply_retention() -> int:
    raise NotImplementedError
