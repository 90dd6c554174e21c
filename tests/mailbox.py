"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, on a free port, keeping what it receives."""

from __future__ import annotations

import socket
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller

from processes.mailer import SmtpSettings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Mailbox:
    """An SMTP server whose answers a test can script.

    `replies` are used up one per message, for DATA ("451 ..." or "550 ..."); with none left it
    accepts. `on_data` runs when a message has arrived, before the server answers."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.replies: list[str] = []
        self.on_data: Callable[[], None] | None = None
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> Mailbox:
        self._controller.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._controller.stop()

    @property
    def settings(self) -> SmtpSettings:
        return SmtpSettings(host="127.0.0.1", port=self.port, tls="none",
                            sender="OneStop <onestop@town.example>", timeout=5)

    def environ(self) -> dict[str, str]:
        """The same settings as ONESTOP_SMTP_* variables, for a worker in another process."""
        return {"ONESTOP_SMTP_HOST": "127.0.0.1", "ONESTOP_SMTP_PORT": str(self.port), "ONESTOP_SMTP_TLS": "none",
                "ONESTOP_SMTP_FROM": "OneStop <onestop@town.example>", "ONESTOP_SMTP_TIMEOUT": "5"}

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        reply = self.replies.pop(0) if self.replies else "250 Message accepted for delivery"
        if reply.startswith("250"):
            message = message_from_bytes(envelope.content, policy=policy.default)
            assert isinstance(message, EmailMessage)
            self.messages.append(message)
        if self.on_data is not None:
            self.on_data()
        return reply

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]
