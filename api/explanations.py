"""The explanation of a slot at an instant (`rotation.explain`), from what is stored: the plan,
the overrides, time off, members, and the solver's lower bound on the balance."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from api import repositories, views
from api.schemas.explain import ExplanationPublic, PersonRef
from rotation import Budget, Role, Source, Team
from rotation.explain import Explanation, explain


def explain_view(
    session: Session,
    team: Team,
    at: datetime,
    role: Role,
    now: datetime,
    budget: Budget,
    *,
    contacts: bool,
    with_bound: bool = True,
) -> ExplanationPublic:
    """Explain who holds `role` at `at`. `contacts` adds emails and chat handles (never for an
    anonymous reader); `with_bound=False` (the web page) skips proving the lower bound."""
    members = repositories.list_members(session, team.id)
    time_off = repositories.time_off_of(session, [m.id for m in members])
    published = repositories.assignments(session, team.id)
    overrides = repositories.overrides(session, team.id)
    bound = None
    if with_bound:
        bound = views.report_bounds(team, members, time_off, published, now, budget, session).get(
            role
        )
    found = explain(team, members, time_off, published, overrides, at, role, bound)
    ids = [found.holder, *(c.member for c in found.others)]
    people = {
        pid: PersonRef(
            id=pid,
            name=person.name,
            email=person.email if contacts else None,
            chat=person.chat if contacts else None,
        )
        for pid, person in repositories.people(session, ids).items()
    }
    return ExplanationPublic.of(found, people, summary(found, people, team))


def summary(found: Explanation, people: dict[str, PersonRef], team: Team) -> str:
    """One sentence a person reads first."""
    zone = team.policy.zone
    span = (
        f"{found.turn_start.astimezone(zone):%a %Y-%m-%d %H:%M} to "
        f"{found.turn_end.astimezone(zone):%a %Y-%m-%d %H:%M %Z}"
    )
    if found.holder is None:
        return f"Nobody holds the {found.role.value} slot {span}: it is uncovered."
    name = people[found.holder].name if found.holder in people else found.holder
    by = {
        Source.ROTATION: "by rotation",
        Source.SWAP: "by a swap",
        Source.OVERRIDE: "by an override",
    }[found.source]
    text = f"{name} holds the {found.role.value} slot {span} {by}."
    if found.source is Source.OVERRIDE and found.planned and found.planned in people:
        text += f" The rotation had given it to {people[found.planned].name}."
    standings = found.holder_standings
    if standings is not None:
        before = standings.before
        text += (
            f" Going in they had carried {before.load:.2f} of a fair share of "
            f"{before.share:.2f} ({before.deviation_per_weight:+.2f} per weight); over the "
            f"plan {standings.plan.load:.2f} of {standings.plan.share:.2f}."
        )
    return text
