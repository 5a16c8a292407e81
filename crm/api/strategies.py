"""/api/v1/strategies: the strategy's focus areas and strategies, with their meeting counts.

Admins edit the strategy on its web pages; the API reads it. The measures (tiltak) serving a
strategy are under /api/v1/measures?strategy=ID.
"""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from crm.api import bp
from crm.api.common import Listing, ListQuery, list_response, sort_keys
from crm.api.problems import ApiProblem
from crm.api.spec import operation
from crm.api.types import Id
from crm.extensions import db
from crm.strategy import queries
from crm.strategy.models import FocusArea, Strategy

TAG = "strategies"


class StrategyQuery(ListQuery):
    """Strategies of the current period, or of the period asked for."""

    period_id: Id | None = Field(default=None, description="Default: the current period.")
    sort: sort_keys(("id",)) = "id"


class StrategyOut(BaseModel):
    """A strategy with its focus area, SDGs and how many meetings serve it."""

    id: int
    number: str
    name: str
    description: str
    focus_area_id: int
    focus_area_number: str
    focus_area: str
    sdgs: list[int]
    period_id: int
    meetings: int


def _sdgs(text: str) -> list[int]:
    return [int(part) for part in text.replace(";", ",").split(",") if part.strip().isdigit()]


def strategy_out(strategy: Strategy, counts: dict[int, int]) -> StrategyOut:
    """The API's view of a strategy."""
    area = strategy.focus_area
    return StrategyOut(
        id=strategy.id,
        number=strategy.number,
        name=strategy.name,
        description=strategy.description,
        focus_area_id=area.id,
        focus_area_number=area.number,
        focus_area=area.name,
        sdgs=_sdgs(area.sdgs),
        period_id=area.period_id,
        meetings=counts.get(strategy.id, 0),
    )


@operation(
    bp,
    "/strategies",
    "GET",
    mirrors="strategy.index",
    summary="List strategies with meeting counts",
    tag=TAG,
    query=StrategyQuery,
    response=Listing[StrategyOut],
)
def list_strategies(query: StrategyQuery):
    """The strategies of a period (the current one by default)."""
    if query.period_id is not None:
        period = queries.get_period(db.session, query.period_id)
        if period is None:
            raise ApiProblem(
                422, "No such period.", errors=[{"field": "period_id", "message": "not found"}]
            )
    else:
        period = queries.get_current_period(db.session)
    select_ = (
        select(Strategy)
        .join(Strategy.focus_area)
        .where(FocusArea.period_id == (period.id if period else 0))
        .options(joinedload(Strategy.focus_area))
    )
    counts = queries.meeting_counts_by_strategy(db.session, period_id=period.id) if period else {}
    return list_response(
        query,
        select_,
        id_column=Strategy.id,
        sorts={},
        item=lambda strategy: strategy_out(strategy, counts),
        model=StrategyOut,
        filename="strategies",
    )
