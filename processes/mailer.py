"""SMTP: the server settings, one e-mail per outbox message, and what a failure means.

Settings come from the environment (12-factor, so every worker on every host reads the same):
ONESTOP_SMTP_HOST (unset: no mail is sent, the outbox keeps it), ONESTOP_SMTP_PORT,
ONESTOP_SMTP_TLS (`starttls`, the default; `ssl` for implicit TLS on 465; `none` for a local relay),
ONESTOP_SMTP_USER, ONESTOP_SMTP_PASSWORD, ONESTOP_SMTP_FROM and ONESTOP_SMTP_TIMEOUT (seconds).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from types import TracebackType

from .models import OutboxMessage

TLS_MODES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: str = "starttls"
    username: str | None = None
    password: str | None = None
    sender: str = "OneStop <no-reply@onestop.invalid>"
    timeout: float = 20.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SmtpSettings | None:
        """The settings in the environment; None when no SMTP host is configured (the demo)."""
        env = os.environ if environ is None else environ
        host = env.get("ONESTOP_SMTP_HOST", "").strip()
        if not host:
            return None
        tls = env.get("ONESTOP_SMTP_TLS", "starttls").strip().lower() or "starttls"
        if tls not in TLS_MODES:
            raise ValueError(f"ONESTOP_SMTP_TLS must be one of {', '.join(TLS_MODES)}, not {tls!r}")
        return cls(
            host=host,
            port=int(env.get("ONESTOP_SMTP_PORT") or DEFAULT_PORTS[tls]),
            tls=tls,
            username=env.get("ONESTOP_SMTP_USER") or None,
            password=env.get("ONESTOP_SMTP_PASSWORD") or None,
            sender=env.get("ONESTOP_SMTP_FROM") or cls.sender,
            timeout=float(env.get("ONESTOP_SMTP_TIMEOUT") or cls.timeout),
        )

    @property
    def sender_address(self) -> str:
        return parseaddr(self.sender)[1] or self.sender

    def describe(self) -> str:
        """Where mail goes, for pages and logs (never the password)."""
        who = f"{self.username}@" if self.username else ""
        return f"{who}{self.host}:{self.port} ({self.tls})"


class SendFailure(Exception):
    """Sending one message failed; `permanent` when the server refused it for good (5xx)."""

    def __init__(self, reason: str, *, permanent: bool):
        self.reason, self.permanent = reason, permanent
        super().__init__(reason)


def message_id(dedupe_key: str, sender_address: str) -> str:
    """The same Message-ID for every attempt at one outbox message, so a resend is recognisable."""
    domain = sender_address.rpartition("@")[2] or "onestop.invalid"
    digest = hashlib.sha256(dedupe_key.encode()).hexdigest()[:40]
    return f"<{digest}.outbox@{domain}>"


def build_email(message: OutboxMessage, settings: SmtpSettings) -> EmailMessage:
    """The e-mail for an outbox message; a header that cannot be encoded is a permanent failure."""
    try:
        email = EmailMessage()
        email["From"] = settings.sender
        email["To"] = message.to_address
        email["Subject"] = message.subject
        email["Message-ID"] = message_id(message.dedupe_key, settings.sender_address)
        email["Date"] = format_datetime(message.created_at)
        email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to us, please
        email.set_content(message.body)
    except (ValueError, TypeError) as err:
        raise SendFailure(f"the message cannot be written as e-mail: {err}", permanent=True) from err
    return email


class SmtpConnection:
    """One connection for a worker round, opened on first use and reopened after an error."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpConnection:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def send(self, email: EmailMessage, to_address: str) -> None:
        """Hand `email` to the server; raises SendFailure saying whether to try again."""
        try:
            smtp = self._open()
            smtp.send_message(email, from_addr=self.settings.sender_address, to_addrs=[to_address])
        except smtplib.SMTPRecipientsRefused as err:
            self.close()
            code, text = next(iter(err.recipients.values()), (0, b""))
            raise SendFailure(f"recipient refused: {code} {_text(text)}", permanent=code >= 500) from err
        except smtplib.SMTPAuthenticationError as err:
            self.close()  # our configuration, not this message: retry once someone fixes it
            raise SendFailure(f"SMTP login refused: {err.smtp_code} {_text(err.smtp_error)}", permanent=False) from err
        except smtplib.SMTPResponseException as err:
            self.close()
            raise SendFailure(f"server said {err.smtp_code} {_text(err.smtp_error)}",
                              permanent=err.smtp_code >= 500) from err
        except ValueError as err:  # e.g. an address the server cannot take (no SMTPUTF8): this message only
            self.close()
            raise SendFailure(f"the message cannot be sent as written: {err}", permanent=True) from err
        except (smtplib.SMTPException, OSError) as err:  # disconnects, timeouts, TLS, refused connections
            self.close()
            raise SendFailure(f"cannot reach {self.settings.describe()}: {err or type(err).__name__}",
                              permanent=False) from err

    def _open(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        s = self.settings
        smtp: smtplib.SMTP
        if s.tls == "ssl":
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            if s.tls == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if s.username:
                smtp.login(s.username, s.password or "")
        except BaseException:
            _quietly_close(smtp)
            raise
        self._smtp = smtp
        return smtp

    def close(self) -> None:
        if self._smtp is not None:
            smtp, self._smtp = self._smtp, None
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                _quietly_close(smtp)


def _quietly_close(smtp: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError):
        smtp.close()


def _text(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return " ".join(text.split())[:500]
