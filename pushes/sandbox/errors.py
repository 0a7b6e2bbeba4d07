"""The one exception the sandbox turns into a TPNS error answer."""

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
