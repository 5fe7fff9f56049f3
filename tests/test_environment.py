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


def test_swot_is_the_customer_s_uses_advantages_and_forces_by_impact_sign():
    account, _ = tiny()
    swot = environment.swot(account)
    assert swot["strengths"] == ["Fastest new-product introduction in its category"]
    assert swot["weaknesses"] == ["Two grocers take 60% of its sales"]
    assert swot["opportunities"] == ["End-consumer demand: Shoppers trade down to private label as food inflation "
                                     "persists."]
    # the customer's threat, in the customer's terms: what it means for us is another view
    assert swot["threats"] == ["Purchasing dynamics: New chief procurement officer mandated 12% savings across "
                               "packaging suppliers."]


def test_what_it_means_for_us_follows_for_us_not_the_impact_on_the_customer():
    account, _ = tiny()
    forces = [dict(f.model_dump(), for_us=judged) for f, judged in zip(account.environment, ("opportunity", None))]
    capex = dict(account.environment[0].model_dump(), force="investor_pressure", impact=-1, likelihood=0.5,
                 for_us="both", description="Capex freeze.", implication="Fewer new lines; more outsourcing to us.")
    judged = variant(account, environment=[*forces, capex])
    view = environment.what_it_means_for_us(judged)
    # purchasing dynamics hurts the customer (impact −2) but is judged our opportunity
    assert view["opportunities"] == [
        "Purchasing dynamics: Price pressure on us; answer with total-cost savings rather than price cuts. "
        "(For the customer: hurts it, impact -2.)",
        "Investor pressure: Fewer new lines; more outsourcing to us. (For the customer: hurts it, impact -1.)"]
    assert view["threats"] == ["Investor pressure: Fewer new lines; more outsourcing to us. (For the customer: hurts "
                               "it, impact -1.)"]
    assert view["not_judged"] == ["End-consumer demand: not yet judged for us (set for_us: opportunity, threat "
                                  "or both)."]
    assert environment.swot(judged)["threats"][0].startswith("Purchasing dynamics")  # still the customer's threat
    untouched = environment.what_it_means_for_us(account)  # the tiny account judges nothing for us yet
    assert untouched["opportunities"] == untouched["threats"] == [] and len(untouched["not_judged"]) == 2


def _with_ids(account, answers=None, **extra_strategy):
    """The tiny account with force ids F1 (purchasing dynamics) and F2 (consumer demand), and
    `answers` on S1 (S2 answers nothing)."""
    forces = [dict(f.model_dump(), id=f"F{i}") for i, f in enumerate(account.environment, start=1)]
    plan = account.joint_plan.model_dump()
    plan["strategies"][0]["answers"] = answers or []
    return variant(account, environment=forces, joint_plan=plan)


def test_a_force_is_answered_when_a_strategy_lists_its_id():
    account, _ = tiny()
    linked = _with_ids(account, answers=["F1"])
    gaps = environment.unanswered_forces(linked)
    # F1 (priority 1.8) is in S1's answers; F2 (0.7) is in no strategy's answers
    assert list(gaps["id"]) == ["F2"]
    assert gaps.loc[0, "why"] == "no strategy lists F2 in its answers"
    assert environment.unanswered_forces(linked, min_priority=1.0).empty
    assert environment.unanswered_forces(_with_ids(account, answers=["F1", "F2"])).empty


def test_shared_words_never_answer_a_force():
    # The review's case: a capex freeze pushed by shareholders was called "answered" by a strategy
    # about share of wallet ("shareholders" and "share" meet at the stem "share", "lines" and "lines").
    account, _ = tiny()
    capex = {"id": "F9", "force": "investor_pressure", "description": "Shareholders impose a capex freeze: no new "
             "lines for two years.", "impact": -2, "likelihood": 0.8, "horizon": "short",
             "implication": "Fewer new lines to pack; our equipment upgrades wait."}
    plan = account.joint_plan.model_dump()
    plan["strategies"].append({"id": "S3", "statement": "Grow our share of wallet on the existing lines",
                               "objectives": ["O2"], "shared": False})
    frozen = variant(account, environment=[capex], joint_plan=plan)
    gaps = environment.unanswered_forces(frozen)
    assert list(gaps["id"]) == ["F9"]  # word overlap is not an answer
    hints = environment.suggested_answers(frozen)
    # …but it may be offered as a suggestion, labelled as one, with the words it rests on
    row = hints[hints["candidate"] == "S3"].iloc[0]
    assert (row["force_id"], row["kind"], row["shared_words"]) == ("F9", "strategy", "line, share")
    assert row["status"] == "suggestion: list F9 in S3's answers if it really answers it"
    plan["strategies"][-1]["answers"] = ["F9"]
    answered = variant(frozen, joint_plan=plan)
    assert environment.unanswered_forces(answered).empty and environment.suggested_answers(answered).empty


def test_a_force_without_an_id_cannot_be_answered_by_link_and_says_so():
    account, _ = tiny()  # the tiny account's forces have no id
    gaps = environment.unanswered_forces(account)
    assert list(gaps["force"]) == ["purchasing_dynamics", "consumer_demand"]
    assert set(gaps["why"]) == {"no id: a strategy cannot list it in its answers"}
    # naming the force in a strategy does not answer it either: it becomes a suggestion
    plan = account.joint_plan.model_dump()
    plan["strategies"].append({"id": "S9", "statement": "Grow with end-consumer demand for private label volume",
                               "objectives": ["O1"], "shared": False})
    named = variant(account, joint_plan=plan)
    assert len(environment.unanswered_forces(named)) == 2
    hints = environment.suggested_answers(named)
    row = hints[(hints["candidate"] == "S9")].iloc[0]
    assert row["force_id"] is None and row["label"] == "End-consumer demand"
    assert row["status"] == "suggestion: give the force an id, then list it in S9's answers if it really answers it"
