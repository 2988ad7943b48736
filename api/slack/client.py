"""A small client of Slack's Web API: the three methods Rota calls, over plain HTTPS.

Write methods (`usergroups.users.update`, `chat.postMessage`) are sent as JSON, the read
method (`users.lookupByEmail`) as a form, as Slack's reference allows; the bot token goes in
the `Authorization: Bearer` header, never in a URL, a log line or an error. Slack answers 200
with `{"ok": true, ...}` or `{"ok": false, "error": "..."}`, 429 with `Retry-After` when rate
limited, and 5xx when it is down: the last two, and its own transient errors, are retried.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

#: Seconds one call may take; well inside a claim's lease.
CALL_TIMEOUT = 10
#: `ok: false` errors that say "try again", not "your request is wrong".
TRANSIENT = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
)


class SlackError(Exception):
    """A call that did not go through. `retryable` says whether trying later may help;
    `retry_after` is Slack's own wait in seconds, when it named one."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class SlackClient:
    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self._token = token

    def call(self, method: str, body: dict[str, Any], *, form: bool = False) -> dict[str, Any]:
        """Call `method`; return Slack's answer when `ok`, raise `SlackError` otherwise."""
        if form:
            data = urllib.parse.urlencode(body).encode()
            content_type = "application/x-www-form-urlencoded"
        else:
            data = json.dumps(body).encode()
            content_type = "application/json; charset=utf-8"
        request = urllib.request.Request(
            self.base_url + method,
            data=data,
            method="POST",
            headers={
                "Authorization": f"Bearer {self._token}",
                "Content-Type": content_type,
                "User-Agent": "rota-slack",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=CALL_TIMEOUT) as response:
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            retry_after = _seconds(exc.headers.get("Retry-After")) if exc.code == 429 else None
            raise SlackError(
                f"{method}: HTTP {exc.code}",
                retryable=exc.code == 429 or exc.code >= 500,
                retry_after=retry_after,
            ) from exc
        except (OSError, ValueError) as exc:
            raise SlackError(f"{method}: {type(exc).__name__}", retryable=True) from exc
        if not isinstance(answer, dict) or answer.get("ok") is not True:
            error = str(answer.get("error", "no error given")) if isinstance(answer, dict) else "?"
            raise SlackError(f"{method}: {error}", retryable=error in TRANSIENT)
        return answer

    def set_usergroup(self, usergroup: str, users: list[str]) -> None:
        self.call("usergroups.users.update", {"usergroup": usergroup, "users": ",".join(users)})

    def post_message(self, channel: str, text: str, blocks: list[dict[str, Any]]) -> None:
        self.call("chat.postMessage", {"channel": channel, "text": text, "blocks": blocks})

    def lookup_by_email(self, email: str) -> str:
        """The Slack user id of `email` in the token's workspace."""
        answer = self.call("users.lookupByEmail", {"email": email}, form=True)
        user = answer.get("user")
        if not isinstance(user, dict) or not isinstance(user.get("id"), str):
            raise SlackError("users.lookupByEmail: no user in the answer", retryable=False)
        return str(user["id"])


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
