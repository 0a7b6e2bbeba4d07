"""The exceptions the sandbox turns into TPNS error answers, and the Sandbox page's refusals."""

from __future__ import annotations

from pushes.tpns import codes


class SandboxError(Exception):
    """A TPNS ret_code to answer with; the message is the documented err_msg."""

    def __init__(self, code: int) -> None:
        self.code = code
        super().__init__(f"{code} {codes.message_for(code)}")

    @property
    def message(self) -> str:
        return codes.message_for(self.code)


class SandboxAuthError(SandboxError):
    """A refused caller: answered with SANDBOX_AUTH_FAILURE_STATUS and counted by the throttle."""


class AlreadyHandled(Exception):
    """Open on a delivery already dismissed, or Dismiss on one already opened."""
