"""Decisions under uncertainty, from the paired replicates of every option.

Each replicate draws one parameter set from the calibration posterior and its own random
numbers, the same in every option, so the replicates are draws from the joint uncertainty of
every option's outcome. From them, for each option against the baseline (doing nothing new):

- the probability that its social net present value is positive, and that it is the best
  use of money: the highest NPV per pound of its stated budget (its levers' money, in
  present value; an option that states no money, such as the training package, whose cost is
  what it buys, is not compared per pound);
- its net monetary benefit at a value of a QALY ``lambda``: ``lambda x QALYs gained + crime
  costs averted - net public cost`` (at the Green Book's value, the social NPV), for the
  cost-effectiveness plane and acceptability curves (the probability that an option is worth
  doing, and that it is the best of all, at each ``lambda``);
- the expected value of perfect information (EVPI): what knowing every uncertain quantity
  would add to the decision, ``E[max over options of NMB] - max over options of E[NMB]``
  (the baseline is an option, with NMB 0), for the choice among all options and for each
  option's own choice, to fund it or not; and of partial information on one parameter
  (EVPPI), by the regression method of Strong, Oakley and Brennan (2014, Medical Decision
  Making 34:311): each option's NMB is regressed on the parameter, and the fitted values
  stand for the expectation given it. At reduced scale a replicate's NMB also carries chance
  variation that a national decision would not face, so both are upper bounds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

BASELINE = "baseline"
NICE_THRESHOLDS = (20_000.0, 30_000.0)  # GBP per QALY (NICE's range)
THRESHOLDS = np.arange(0.0, 100_001.0, 2_500.0)  # GBP per QALY, for the acceptability curves
ENOUGH_REPLICATES = 41  # the fewest whose 2.5th and 97.5th percentiles are not the sample's extremes


def options(table: pd.DataFrame) -> list[str]:
    """The options compared with the baseline, in the table's order."""
    return [s for s in dict.fromkeys(table.index.get_level_values("scenario")) if s != BASELINE]


def _by_replicate(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """Replicate by option, the paired values of ``column`` (replicates every option has)."""
    wide = table[column].unstack("scenario")
    return wide[options(table)].dropna()


def net_monetary_benefit(table: pd.DataFrame, value_of_qaly: float) -> pd.DataFrame:
    """Replicate by option: net monetary benefit against the baseline at ``value_of_qaly``."""
    return (
        value_of_qaly * _by_replicate(table, "qalys_gained") + _by_replicate(table, "pv_crime_averted")
        - _by_replicate(table, "pv_net_cost")
    )


def probability_best(nmb: pd.DataFrame) -> pd.Series:
    """Per option, the share of replicates in which its NMB is the highest, the baseline's
    (zero) included; options tied at the top share the replicate."""
    values = np.column_stack([np.zeros(len(nmb)), nmb.to_numpy()])
    top = values == values.max(axis=1, keepdims=True)
    share = (top / top.sum(axis=1, keepdims=True)).mean(axis=0)
    return pd.Series(share, index=[BASELINE, *nmb.columns])


def per_pound(npv: pd.DataFrame, cost: pd.DataFrame) -> pd.DataFrame:
    """NPV per pound of ``cost``; NaN where no money is stated (not compared per pound)."""
    return npv / cost.where(cost > 0)


def budget(table: pd.DataFrame) -> pd.DataFrame:
    """Replicate by option: the money an option states, its levers' budget in present value
    (0 for an option whose cost is what it buys)."""
    return _by_replicate(table, "pv_budget_nominal")


def decision_table(table: pd.DataFrame, value_of_qaly: float) -> pd.DataFrame:
    """Per option: probability NPV > 0 (with its Monte Carlo standard error), probability of
    the highest NPV per pound, probability of the highest NMB at ``value_of_qaly`` (the
    baseline a candidate), and the mean NPV with its standard error."""
    npv, cost = _by_replicate(table, "npv"), budget(table)
    nmb = net_monetary_benefit(table, value_of_qaly)
    n = len(npv)
    ratio = per_pound(npv, cost)
    compared = ratio.notna().all()
    values = ratio.loc[:, compared].to_numpy()
    best = values == values.max(axis=1, keepdims=True)
    best_per_pound = pd.Series((best / best.sum(axis=1, keepdims=True)).mean(axis=0), index=ratio.columns[compared])
    positive = (npv > 0).mean()
    return pd.DataFrame({
        "probability_npv_positive": positive,
        "probability_npv_positive_se": np.sqrt(positive * (1 - positive) / n),
        "probability_best_per_pound": best_per_pound.reindex(npv.columns),
        "probability_best_at_value_of_qaly": probability_best(nmb).drop(BASELINE),
        "npv_mean": npv.mean(),
        "npv_se": npv.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan,
        "replicates": n,
    })


def acceptability(table: pd.DataFrame, thresholds: np.ndarray = THRESHOLDS) -> pd.DataFrame:
    """For each value of a QALY in ``thresholds`` and each option: the probability that it is
    worth doing (NMB > 0) and that it is the best of all (the baseline included)."""
    rows = []
    for threshold in thresholds:
        nmb = net_monetary_benefit(table, float(threshold))
        best = probability_best(nmb)
        for option in nmb.columns:
            rows.append({
                "value_of_qaly": float(threshold), "scenario": option,
                "probability_worth_doing": float((nmb[option] > 0).mean()), "probability_best": float(best[option]),
            })
        rows.append({"value_of_qaly": float(threshold), "scenario": BASELINE, "probability_worth_doing": np.nan,
                     "probability_best": float(best[BASELINE])})
    return pd.DataFrame(rows)


def evpi(nmb: pd.DataFrame) -> float:
    """Expected value of perfect information, the baseline (NMB 0) among the options."""
    values = np.column_stack([np.zeros(len(nmb)), nmb.to_numpy()])
    value = values.max(axis=1).mean() - max(values.mean(axis=0).max(), 0.0)
    return float(value) if value > 1e-9 * max(np.abs(values).max(), 1.0) else 0.0  # below that: rounding in the sums


def evppi(nmb: pd.DataFrame, parameter: pd.Series, degree: int = 2) -> float:
    """Expected value of partial perfect information on ``parameter`` (its value in each
    replicate): each option's NMB regressed on a polynomial of ``degree`` in the standardised
    parameter, then EVPI of the fitted values (Strong, Oakley and Brennan 2014)."""
    x = parameter.reindex(nmb.index).to_numpy(dtype=float)
    if np.ptp(x) == 0 or len(x) <= degree + 1:
        return 0.0
    z = (x - x.mean()) / x.std()
    design = np.vander(z, degree + 1)
    coefficients, *_ = np.linalg.lstsq(design, nmb.to_numpy(), rcond=None)
    fitted = pd.DataFrame(design @ coefficients, index=nmb.index, columns=nmb.columns)
    return evpi(fitted)


ALL_OPTIONS = "all options"  # the decision among every option (else an option's own fund-or-not decision)
EVERYTHING = "all (EVPI)"  # the quantity of perfect information on everything


def information_values(table: pd.DataFrame, parameters: pd.DataFrame, value_of_qaly: float) -> pd.DataFrame:
    """EVPI, and EVPPI of every parameter that varies across replicates, at ``value_of_qaly``
    (GBP, national), for the choice among all options (``decision`` :data:`ALL_OPTIONS`) and
    for each option's own choice to fund it or not; within a decision, EVPI first, then the
    parameters, largest first. ``parameters``: replicate by parameter, the values each
    replicate drew."""
    nmb = net_monetary_benefit(table, value_of_qaly)
    varying = [name for name in parameters.columns if parameters[name].nunique() > 1]
    rows = []
    for decision, values in ((ALL_OPTIONS, nmb), *((option, nmb[[option]]) for option in nmb.columns)):
        rows.append({"decision": decision, "quantity": EVERYTHING, "value": evpi(values)})
        rows += sorted(
            ({"decision": decision, "quantity": name, "value": evppi(values, parameters[name])} for name in varying),
            key=lambda row: -row["value"],
        )
    return pd.DataFrame(rows)


def summary_rows(decisions: pd.DataFrame, information: pd.DataFrame) -> pd.DataFrame:
    """The probabilities (per option) and the values of information (metrics ``evpi`` and
    ``evppi_<parameter>``; scenario ``decision`` for the choice among all options, else the
    option's own fund-or-not choice) as rows of ``summary.csv`` (value in ``mean``)."""
    rows = [
        {"scenario": option, "metric": metric, "mean": float(decisions.loc[option, metric]), "replicates": int(decisions.loc[option, "replicates"])}
        for option in decisions.index
        for metric in ("probability_npv_positive", "probability_npv_positive_se", "probability_best_per_pound",
                       "probability_best_at_value_of_qaly")
    ]
    for row in information.itertuples():
        metric = "evpi" if row.quantity == EVERYTHING else f"evppi_{row.quantity}"
        scenario = "decision" if row.decision == ALL_OPTIONS else row.decision
        rows.append({"scenario": scenario, "metric": metric, "mean": float(row.value)})
    return pd.DataFrame(rows)


def replicate_parameters(specs) -> pd.DataFrame:
    """Replicate by parameter: the parameter values each replicate's runs used (from the
    baseline's run specs, whose ``parameters`` the posterior draw sets)."""
    rows = {spec.replicate: dict(spec.parameters) for spec in specs if spec.scenario == BASELINE}
    return pd.DataFrame.from_dict(rows, orient="index").sort_index()
