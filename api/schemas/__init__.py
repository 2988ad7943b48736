"""API schemas: what goes over the wire. Never table rows, never domain objects directly.

Naming follows the FastAPI full-stack template: `...Create`, `...Update`, `...Public`. One module a
resource (`support`, `teams`, `members`, `planning`, `adjustments`, `feeds`, `reminders`, `slack`,
`audit`) over `common`; the core resources' schemas are re-exported here.
"""

from api.schemas.common import InstantOrDate, Slug, Strict, Text
from api.schemas.members import (
    MemberChanged,
    MemberCreate,
    MemberPublic,
    MemberUpdate,
    checked_member,
)
from api.schemas.planning import GeneratePublic, GenerateRequest, SolvePublic
from api.schemas.support import (
    AllOnSupportPublic,
    EntryPublic,
    HolderPublic,
    OnSupportPublic,
    PeriodPublic,
    SchedulePublic,
)
from api.schemas.teams import (
    Leads,
    TeamCreate,
    TeamPublic,
    TeamUpdate,
    WeightsPublic,
    WeightsUpdate,
)

__all__ = [
    "AllOnSupportPublic",
    "EntryPublic",
    "GeneratePublic",
    "GenerateRequest",
    "HolderPublic",
    "InstantOrDate",
    "Leads",
    "MemberChanged",
    "MemberCreate",
    "MemberPublic",
    "MemberUpdate",
    "OnSupportPublic",
    "PeriodPublic",
    "SchedulePublic",
    "Slug",
    "SolvePublic",
    "Strict",
    "TeamCreate",
    "TeamPublic",
    "TeamUpdate",
    "Text",
    "WeightsPublic",
    "WeightsUpdate",
    "checked_member",
]
