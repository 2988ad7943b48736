"""Members who left the team but served in it: their past turns stay in the history.

A member removed from the team is counted as employed until their last turn ended ("left at
removal"): they get a fair share of the load up to then, so their past turns are neither owed
by them (share 0, the whole load as deviation) nor owed to them. The planner and the fairness
report count them the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rotation.model import Member, Role


def departed(
    members: Iterable[Member], served: Iterable[tuple[str, Role, datetime]], zone: ZoneInfo
) -> list[Member]:
    """The members that `served` names (member, role, end of a turn) and `members` does not,
    as members of the roles they served, at full weight, who left on the local day their last
    turn ended; in id order."""
    present = {member.id for member in members}
    roles: dict[str, set[Role]] = defaultdict(set)
    last: dict[str, datetime] = {}
    for member_id, role, end in served:
        if member_id in present:
            continue
        roles[member_id].add(role)
        last[member_id] = max(end, last.get(member_id, end))
    return [
        Member(
            member_id,
            member_id,
            "",
            frozenset(roles[member_id]),
            weight=float(len(roles[member_id])),
            left=(last[member_id] - timedelta(microseconds=1)).astimezone(zone).date(),
        )
        for member_id in sorted(last)
    ]
