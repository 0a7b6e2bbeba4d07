"""What the domain refuses, as types: views translate them, nobody parses strings.

    PushdeckError
    ├── NotAllowed      this person may not do this (views answer 403; it is a PermissionDenied)
    ├── WrongState      not in this state (a draft cannot be approved, a sent push not cancelled)
    │   ├── ContentChanged  what was previewed or reviewed is not what the push holds now
    │   └── NobodyReachable the preflight found no account with a device, and nobody said
    │                       to send anyway
    └── Invalid         bad input: problems keyed by the form field they belong to

`str(error)` is a sentence for people, in the language active where it was raised (services run
in the request of the person who reads it). `Invalid` is also a Django `ValidationError`, so a form
can take its problems field by field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

# Problems that belong to no single field.
NON_FIELD = "__all__"


class PushdeckError(Exception):
    """A domain rule refused the action; `str()` says why, in words."""


class NotAllowed(PushdeckError, PermissionDenied):
    """This person may not do this."""


class WrongState(PushdeckError):
    """The object is not in a state that allows this action."""


class ContentChanged(WrongState):
    """What was previewed or reviewed is not what the push holds now."""


class NobodyReachable(WrongState):
    """The reachability preflight found 0% of the accounts reachable; confirming needs the
    author's explicit override."""


@dataclass(frozen=True)
class Problem:
    field: str  # the form field it belongs to, or NON_FIELD
    message: str  # a sentence for people


class Invalid(PushdeckError, ValidationError):
    """Bad input. Built from `Problem`s, or from a {field: message(s)} mapping."""

    def __init__(
        self,
        problems: Iterable[Problem] | Mapping[str, str | list[str]] | str = (),
        *,
        code: str | None = None,
    ) -> None:
        if isinstance(problems, str):
            problems = [Problem(NON_FIELD, problems)]
        elif not isinstance(problems, list | tuple):
            mapping = dict(problems)  # type: ignore[arg-type]
            problems = [
                Problem(field, message)
                for field, messages in mapping.items()
                for message in ([messages] if isinstance(messages, str) else messages)
            ]
        self.problems: list[Problem] = list(problems)  # type: ignore[arg-type]
        by_field: dict[str, list[str]] = {}
        for problem in self.problems:
            by_field.setdefault(problem.field, []).append(problem.message)
        ValidationError.__init__(self, by_field, code=code)

    def __str__(self) -> str:
        return " ".join(str(problem.message) for problem in self.problems)
