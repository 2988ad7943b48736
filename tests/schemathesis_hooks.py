"""Schemathesis hooks for `tests/test_openapi_contract.py` (loaded through SCHEMATHESIS_HOOKS).

`accepts_valid_input` is Schemathesis's `positive_data_acceptance` less the refusals that are
part of the contract and that no JSON Schema can state: rules across fields (an end after its
start, a window's length), rules on stored state (who is a member, what is planned), and a 412
to an `If-Match` that names no current version.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis.checks import CheckContext
from schemathesis.specs.openapi.checks import positive_data_acceptance

PROBLEM = "application/problem+json"
#: The `code` of a 422 that refuses schema-valid input on grounds no schema can express.
STATE_RULES = {
    "invalid-interval",  # an end not after its start
    "window-too-long",  # a window longer than the operation reads
    "invalid-reference",  # names someone who is no member (of the team, in that role, ...)
    "invalid-notify",  # leads who are no members of the team
    "beyond-plan",  # an instant past the published plan
    # Not yet in the schema: the grammar of `period` and `handoff` (and a weekday only with
    # whole weeks), which the team file shares. Listed so that the rest stays checked.
    "invalid-policy",
}


def _first(response: Any, header: str) -> str:
    value = response.headers.get(header) or [""]
    return str(value[0] if isinstance(value, list) else value)


@schemathesis.check
def accepts_valid_input(ctx: CheckContext, response: Any, case: Any) -> bool | None:
    sent = {name.lower() for name in (case.headers or {})}
    if response.status_code == 412 and "if-match" in sent:
        return True
    refused = response.status_code == 422 and _first(response, "content-type").startswith(PROBLEM)
    if refused and response.json().get("code") in STATE_RULES:
        return True
    result: bool | None = positive_data_acceptance(ctx, response, case)
    return result
