"""Where a reminder goes: email over SMTP, a Slack-compatible incoming webhook, a generic JSON
webhook signed with HMAC-SHA256, or the log.

Secrets are references, `env:NAME`, resolved from the environment at send time; the SMTP
password comes from the settings. Every delivery carries the reminder's key as an idempotency
token (the mail's `Message-ID`, the webhook's `X-Rota-Delivery` header and `id` field), so that a
receiver can drop the one duplicate a process killed between delivering and recording may cause.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import smtplib
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from typing import Any

from api.settings import Settings
from rotation import Channel
from rotation.messages import Contact, Message

#: Seconds a mail server or a webhook may take; well inside the claim's lease.
SEND_TIMEOUT = 30
SIGNATURE_HEADER = "X-Rota-Signature"
DELIVERY_HEADER = "X-Rota-Delivery"

log = logging.getLogger("rota.reminders")


class DeliveryError(Exception):
    """A send that did not go through: retried with backoff, then shown as failed."""


@dataclass(frozen=True)
class Delivery:
    """One message for one recipient over one channel, with the references it needs."""

    key: str
    channel: Channel
    recipient: Contact | None
    message: Message
    payload: dict[str, Any]
    slack_webhook: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None

    @property
    def message_id(self) -> str:
        return f"<{hashlib.sha256(self.key.encode()).hexdigest()[:32]}@rota>"


def resolve_secret(reference: str | None, what: str, environ: Mapping[str, str]) -> str:
    """The value an `env:NAME` reference points at."""
    if reference is None:
        raise DeliveryError(f"no {what} is configured")
    name = reference.removeprefix("env:")
    value = environ.get(name)
    if not value:
        raise DeliveryError(f"{what}: environment variable {name} is not set")
    return value


def sign(secret: str, body: bytes) -> str:
    """The `X-Rota-Signature` value: `sha256=` and the hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Channels:
    """Sends deliveries. `log` receives each log-channel message (the default writes it to the
    `rota.reminders` logger); tests and benchmarks pass their own."""

    def __init__(
        self,
        settings: Settings,
        environ: Mapping[str, str] | None = None,
        log_sink: Callable[[Delivery], None] | None = None,
    ) -> None:
        self.settings = settings
        self.environ = os.environ if environ is None else environ
        self.log_sink = log_sink or _log

    def send(self, delivery: Delivery) -> None:
        """Deliver or raise `DeliveryError`."""
        if delivery.channel is Channel.EMAIL:
            self.email(delivery)
        elif delivery.channel is Channel.SLACK:
            url = resolve_secret(delivery.slack_webhook, "slack_webhook", self.environ)
            self.post(url, json.dumps(delivery.message.slack()).encode(), {}, delivery)
        elif delivery.channel is Channel.WEBHOOK:
            url = resolve_secret(delivery.webhook_url, "webhook_url", self.environ)
            secret = resolve_secret(delivery.webhook_secret, "webhook_secret", self.environ)
            body = json.dumps(delivery.payload, sort_keys=True, separators=(",", ":")).encode()
            self.post(url, body, {SIGNATURE_HEADER: sign(secret, body)}, delivery)
        else:
            self.log_sink(delivery)

    def email(self, delivery: Delivery) -> None:
        settings = self.settings
        if delivery.recipient is None:
            raise DeliveryError("email needs a recipient")
        if not settings.smtp_host:
            raise DeliveryError("ROTA_SMTP_HOST is not set")
        mail = EmailMessage()
        mail["From"] = settings.smtp_from
        # An Address quotes a name with a comma or a non-ASCII letter properly.
        mail["To"] = Address(delivery.recipient.name, addr_spec=delivery.recipient.email)
        mail["Subject"] = delivery.message.subject
        mail["Message-ID"] = delivery.message_id
        mail.set_content(delivery.message.text)
        try:
            with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SEND_TIMEOUT) as smtp:
                if settings.smtp_starttls:
                    smtp.starttls()
                if settings.smtp_username:
                    smtp.login(settings.smtp_username, settings.smtp_password or "")
                smtp.send_message(mail)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"email to {delivery.recipient.email}: {exc}") from exc

    def post(self, url: str, body: bytes, headers: dict[str, str], delivery: Delivery) -> None:
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "rota-reminders",
                DELIVERY_HEADER: delivery.message_id.strip("<>"),
                **headers,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=SEND_TIMEOUT) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"{delivery.channel.value}: HTTP {exc.code}") from exc
        except (OSError, ValueError) as exc:
            # The URL itself is a secret: name the channel, never the address.
            raise DeliveryError(f"{delivery.channel.value}: {type(exc).__name__}") from exc


def _log(delivery: Delivery) -> None:
    to = delivery.recipient.id if delivery.recipient else "the team"
    log.info("reminder to %s: %s | %s", to, delivery.message.subject, delivery.message.text)
