"""Environment analysis: forces ranked by |impact| × likelihood."""

import pytest

from kamlib import environment
from tests.helpers import tiny, variant


def test_forces_ranked_by_priority():
    account, _ = tiny()
    table = environment.forces_table(account)
    assert list(table["force"]) == ["purchasing_dynamics", "consumer_demand"]
    assert list(table["priority"]) == pytest.approx([2 * 0.9, 1 * 0.7])


def test_negative_and_positive_impacts_rank_by_magnitude():
    account, _ = tiny()
    forces = [dict(f.model_dump(), impact=i, likelihood=p) for f, (i, p) in
              zip(account.environment * 2, [(1, 0.5), (-2, 0.5), (2, 0.2), (0, 1.0)])]
    table = environment.forces_table(variant(account, environment=forces))
    assert list(table["priority"]) == pytest.approx([1.0, 0.5, 0.4, 0.0])
    assert list(table["impact"]) == [-2, 1, 2, 0]


def test_no_forces_gives_an_empty_table_with_columns():
    account, _ = tiny()
    table = environment.forces_table(variant(account, environment=[]))
    assert table.empty and "priority" in table.columns
