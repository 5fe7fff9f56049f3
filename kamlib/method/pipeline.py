"""Running the plan: the pipeline that should close the gap to target, and the valued whitespace.

An opportunity is open while its stage is neither won nor lost. For any expected figure a won
opportunity counts with probability 1 and a lost one with 0, whatever is written.

- open pipeline = Σ value over open opportunities;
- weighted pipeline = Σ value × probability over open opportunities whose `close` is on or after
  the planning date and, when the plan has a target year, on or before 31 December of it (what
  can still land by the target);
- stale = open opportunities whose `close` is before the planning date (the date has passed and
  the opportunity is neither won nor lost: the pipeline needs cleaning);
- coverage of the revenue gap = weighted pipeline / revenue gap when the gap is > 0, else None
  (no target, or the latest year already meets it);
- valued whitespace: for each open or competitor cell of the whitespace map, its potential (the
  yearly revenue it could bring, when written) and the pipeline naming that unit and offering
  (Σ value of its open or won opportunities); covered = min(pipeline, potential), uncovered =
  potential − covered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import get_args

import pandas as pd

from kamlib.method import targets
from kamlib.parameters.model import Account, Opportunity, Stage

WON, LOST = "won", "lost"   # the stages whose probability the format fixes (1 and 0)
STAGES: tuple[str, ...] = get_args(Stage)
OPEN_STAGES = tuple(s for s in STAGES if s not in (WON, LOST))
SEEKING_CELLS = ("open", "competitor")  # whitespace cells that could still bring revenue

OPPORTUNITY_COLUMNS = ["id", "title", "stage", "value", "probability", "expected", "close", "owner", "open",
                       "stale", "in_window", "weighted", "strategy", "unit", "offering"]
STAGE_COLUMNS = ["stage", "opportunities", "value", "expected"]
WHITESPACE_COLUMNS = ["unit", "offering", "cell", "potential", "pipeline", "covered", "uncovered"]


def is_open(opportunity: Opportunity) -> bool:
    """Neither won nor lost."""
    return opportunity.stage in OPEN_STAGES


def probability(opportunity: Opportunity) -> float:
    """The probability any expected figure uses: 1 when won, 0 when lost, else as written."""
    return 1.0 if opportunity.stage == WON else 0.0 if opportunity.stage == LOST else opportunity.probability


def window_end(account: Account, as_of: date) -> date | None:
    """31 December of the target year (None without one): the last close date the weighted pipeline counts."""
    target = targets.target_year(account, as_of)
    return None if target is None else date(target.year, 12, 31)


def in_window(opportunity: Opportunity, as_of: date, end: date | None) -> bool:
    """Open, closing on or after the planning date and, when there is a window end, on or before it."""
    return is_open(opportunity) and opportunity.close >= as_of and (end is None or opportunity.close <= end)


def open_pipeline(account: Account) -> float:
    """Σ value over open opportunities."""
    return sum(o.value for o in account.opportunities if is_open(o))


def weighted_pipeline(account: Account, as_of: date) -> float:
    """Σ value × probability over open opportunities closing between the planning date and the end
    of the target year (no upper limit without a target year)."""
    end = window_end(account, as_of)
    return sum(o.value * o.probability for o in account.opportunities if in_window(o, as_of, end))


def stale_opportunities(account: Account, as_of: date) -> list[str]:
    """Ids of open opportunities whose close date is before the planning date."""
    return [o.id for o in account.opportunities if is_open(o) and o.close < as_of]


def coverage(account: Account, as_of: date) -> float | None:
    """Weighted pipeline / revenue gap when the gap is > 0; None without a target or when ahead of it."""
    gap = targets.revenue_gap(account, as_of)
    return None if gap is None or gap <= 0 else weighted_pipeline(account, as_of) / gap


@dataclass(frozen=True)
class PipelineSummary:
    """The pipeline's figures as of the planning date (see the module's definitions)."""

    open: float
    weighted: float
    stale: list[str]
    target_year: int | None
    window_end: date | None
    revenue_gap: float | None
    coverage: float | None


def summary(account: Account, as_of: date) -> PipelineSummary:
    """Open, weighted and stale pipeline with the gap it should close and its coverage."""
    target = targets.target_year(account, as_of)
    return PipelineSummary(open_pipeline(account), weighted_pipeline(account, as_of),
                           stale_opportunities(account, as_of), None if target is None else target.year,
                           window_end(account, as_of), targets.revenue_gap(account, as_of), coverage(account, as_of))


def opportunities_table(account: Account, as_of: date) -> pd.DataFrame:
    """Every opportunity, soonest close first: value, the probability used (won 1, lost 0),
    expected = value × probability, whether open, stale and in the weighted window, and its
    contribution to the weighted pipeline (0 outside the window)."""
    end = window_end(account, as_of)
    rows = []
    for o in sorted(account.opportunities, key=lambda o: (o.close, o.id)):
        p = probability(o)
        counted = in_window(o, as_of, end)
        rows.append({"id": o.id, "title": o.title, "stage": o.stage, "value": o.value, "probability": p,
                     "expected": o.value * p, "close": o.close, "owner": o.owner, "open": is_open(o),
                     "stale": is_open(o) and o.close < as_of, "in_window": counted,
                     "weighted": o.value * p if counted else 0.0, "strategy": o.strategy, "unit": o.unit,
                     "offering": o.offering})
    return pd.DataFrame(rows, columns=OPPORTUNITY_COLUMNS)


def by_stage(account: Account) -> pd.DataFrame:
    """One row per stage of the format, in its order (stages with no opportunity show 0): how many,
    Σ value and Σ expected value (value × probability; won 1, lost 0)."""
    rows = []
    for stage in STAGES:
        these = [o for o in account.opportunities if o.stage == stage]
        rows.append({"stage": stage, "opportunities": len(these), "value": float(sum(o.value for o in these)),
                     "expected": float(sum(o.value * probability(o) for o in these))})
    return pd.DataFrame(rows, columns=STAGE_COLUMNS)


def valued_whitespace(account: Account) -> pd.DataFrame:
    """Each open or competitor cell of the whitespace map with its potential (None when not
    written), the pipeline naming it (Σ value of open or won opportunities with that unit and
    offering), covered = min(pipeline, potential) and uncovered = potential − covered (None
    without a potential). Units and offerings in the map's order."""
    if account.whitespace is None:
        return pd.DataFrame(columns=WHITESPACE_COLUMNS)
    rows = []
    for unit in account.whitespace.units:
        for offering in account.whitespace.offerings:
            cell = unit.cells.get(offering)
            if cell not in SEEKING_CELLS:
                continue
            potential = unit.potential.get(offering)
            pipeline = float(sum(o.value for o in account.opportunities
                                 if o.unit == unit.unit and o.offering == offering and o.stage != LOST))
            covered = None if potential is None else min(pipeline, potential)
            rows.append({"unit": unit.unit, "offering": offering, "cell": cell, "potential": potential,
                         "pipeline": pipeline, "covered": covered,
                         "uncovered": None if potential is None or covered is None else potential - covered})
    return pd.DataFrame(rows, columns=WHITESPACE_COLUMNS)


@dataclass(frozen=True)
class WhitespaceTotals:
    """The valued whitespace summed: cells that could still bring revenue, how many carry a
    potential, Σ potential, Σ covered and Σ uncovered (over the valued cells)."""

    cells: int
    valued_cells: int
    potential: float
    covered: float
    uncovered: float

    @property
    def covered_share(self) -> float | None:
        """Σ covered / Σ potential (None when no potential is written)."""
        return self.covered / self.potential if self.potential else None


def whitespace_totals(account: Account) -> WhitespaceTotals:
    """The totals of `valued_whitespace`."""
    table = valued_whitespace(account)
    valued = table[table["potential"].notna()]
    return WhitespaceTotals(len(table), len(valued), float(valued["potential"].sum()),
                            float(valued["covered"].sum()), float(valued["uncovered"].sum()))
