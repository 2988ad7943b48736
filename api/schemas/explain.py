"""The public shape of an explanation (`GET /v1/teams/{team}/explain`)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from api.schemas import PeriodPublic
from rotation.explain import Candidate, Effect, Explanation, Reason, Standing, Standings
from rotation.model import Role, Source


class PersonRef(BaseModel):
    """A member named in an explanation; contact details only for a signed-in reader."""

    id: str
    name: str
    email: str | None = None
    chat: str | None = None


class StandingPublic(BaseModel):
    load: float
    share: float
    deviation: float
    deviation_per_weight: float

    @classmethod
    def of(cls, standing: Standing) -> StandingPublic:
        return cls(
            load=standing.load,
            share=standing.share,
            deviation=standing.deviation,
            deviation_per_weight=standing.deviation_per_weight,
        )


class StandingsPublic(BaseModel):
    before: StandingPublic = Field(description="From the fairness window's start to the period's")
    through: StandingPublic = Field(description="Up to the end of the period, this turn included")
    plan: StandingPublic = Field(description="Over the whole fairness window, to the plan's end")

    @classmethod
    def of(cls, standings: Standings) -> StandingsPublic:
        return cls(
            before=StandingPublic.of(standings.before),
            through=StandingPublic.of(standings.through),
            plan=StandingPublic.of(standings.plan),
        )


class EffectPublic(BaseModel):
    """The role's balance over the plan if this member held the turn instead."""

    max_abs_deviation_per_weight: float
    change: float
    spread: float
    spread_change: float
    deviation_per_weight: float
    holder_deviation_per_weight: float | None

    @classmethod
    def of(cls, effect: Effect) -> EffectPublic:
        return cls(
            max_abs_deviation_per_weight=effect.max_abs_deviation_per_weight,
            change=effect.change,
            spread=effect.spread,
            spread_change=effect.spread_change,
            deviation_per_weight=effect.deviation_per_weight,
            holder_deviation_per_weight=effect.holder_deviation_per_weight,
        )


class CandidatePublic(BaseModel):
    member: PersonRef
    reasons: list[Reason]
    details: list[str]
    standings: StandingsPublic
    effect: EffectPublic | None


class TurnPublic(BaseModel):
    start: datetime
    end: datetime
    load: float


class BalancePublic(BaseModel):
    max_abs_deviation_per_weight: float
    spread: float
    lower_bound: float | None


class ExplanationPublic(BaseModel):
    team: str
    role: Role
    at: datetime
    period: PeriodPublic
    turn: TurnPublic
    holder: PersonRef | None
    source: Source
    planned: str | None = Field(description="Whom the rotation put in the slot")
    summary: str
    holder_standings: StandingsPublic | None
    balance: BalancePublic
    others: list[CandidatePublic]

    @classmethod
    def of(
        cls, explanation: Explanation, people: dict[str, PersonRef], summary: str
    ) -> ExplanationPublic:
        def ref(member: str) -> PersonRef:
            return people.get(member) or PersonRef(id=member, name=member)

        return cls(
            team=explanation.team,
            role=explanation.role,
            at=explanation.at,
            period=PeriodPublic(start=explanation.period.start, end=explanation.period.end),
            turn=TurnPublic(
                start=explanation.turn_start, end=explanation.turn_end, load=explanation.turn_load
            ),
            holder=ref(explanation.holder) if explanation.holder else None,
            source=explanation.source,
            planned=explanation.planned,
            summary=summary,
            holder_standings=StandingsPublic.of(explanation.holder_standings)
            if explanation.holder_standings
            else None,
            balance=BalancePublic(
                max_abs_deviation_per_weight=explanation.max_abs_deviation_per_weight,
                spread=explanation.spread,
                lower_bound=explanation.bound,
            ),
            others=[_candidate(c, ref(c.member)) for c in explanation.others],
        )


def _candidate(candidate: Candidate, member: PersonRef) -> CandidatePublic:
    return CandidatePublic(
        member=member,
        reasons=candidate.reasons,
        details=candidate.details,
        standings=StandingsPublic.of(candidate.standings),
        effect=EffectPublic.of(candidate.effect) if candidate.effect else None,
    )
