"""Environment analysis: forces ranked by |impact| × likelihood."""

import pytest

from kamlib.method import environment
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


def test_heatmap_grid_sums_priority_per_cell_and_horizon():
    account, _ = tiny()
    grids = environment.heatmap_grid(environment.forces_table(account))
    assert set(grids) == {"short", "medium", "long"}
    # purchasing dynamics: impact −2, likelihood 0.9, short → band 80–100 %, priority 1.8
    assert grids["short"].loc[-2, "80–100%"] == pytest.approx(1.8)
    # consumer demand: impact +1, likelihood 0.7, medium → band 60–80 %, priority 0.7
    assert grids["medium"].loc[1, "60–80%"] == pytest.approx(0.7)
    assert grids["long"].to_numpy().sum() == 0
    assert grids["short"].to_numpy().sum() == pytest.approx(1.8)


def test_likelihood_one_falls_in_the_top_band():
    account, _ = tiny()
    forces = [dict(account.environment[0].model_dump(), likelihood=1.0, impact=1),
              dict(account.environment[0].model_dump(), likelihood=0.0, impact=-1)]
    grids = environment.heatmap_grid(environment.forces_table(variant(account, environment=forces)))
    assert grids["short"].loc[1, "80–100%"] == pytest.approx(1.0)
    assert grids["short"].loc[-1, "0–20%"] == 0  # priority 0, but placed in the lowest band


def test_swot_uses_advantages_and_forces_by_impact_sign():
    account, _ = tiny()
    swot = environment.swot(account)
    assert swot["strengths"] == ["Fastest new-product introduction in its category"]
    assert swot["weaknesses"] == ["Two grocers take 60% of its sales"]
    assert len(swot["opportunities"]) == 1 and swot["opportunities"][0].startswith("End-consumer demand")
    assert len(swot["threats"]) == 1 and "Price pressure on us" in swot["threats"][0]


def test_forces_no_objective_or_strategy_refers_to_are_gaps():
    account, _ = tiny()
    # purchasing dynamics (priority 1.8) shares "packaging" and "cost" with O1 "Cut packaging cost
    # per unit…": answered. Consumer demand (0.7: private label, volume growth, capacity) shares only
    # "volume" with S1 "Down-gauge film on the three highest-volume lines": a gap.
    gaps = environment.unanswered_forces(account)
    assert list(gaps["force"]) == ["consumer_demand"]
    assert environment.unanswered_forces(account, min_priority=1.0).empty


def test_a_strategy_naming_the_force_answers_it():
    account, _ = tiny()
    plan = account.joint_plan.model_dump()
    plan["strategies"].append({"id": "S9", "statement": "Grow with end-consumer demand for private label volume",
                               "objectives": ["O1"], "shared": False})
    assert environment.unanswered_forces(variant(account, joint_plan=plan)).empty
