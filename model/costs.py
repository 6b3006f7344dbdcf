"""Weekly cost accounting, in 2019/20 prices, at the model's scale.

Lines: treatment (funded places), testing (tests done), staff (practitioners employed,
pre-sentence reports, one-off training), custody (people in prison after recall or breach),
crime (offences by type at Home Office unit costs), deaths (valued only when
``unit_cost_drug_death`` is set) and programmes (the stated yearly cost of active policy
levers that buy nothing the model prices itself), also split by payer.
"""

from __future__ import annotations

from .process import Process

COST_LINES = (
    "cost_treatment", "cost_testing", "cost_staff", "cost_custody",
    "cost_crime", "cost_crime_acquisitive", "cost_crime_other", "cost_deaths",
    "cost_programmes", "cost_programmes_probation", "cost_programmes_health",
)



class Costs(Process):
    name = "costs"

    def __init__(self, model):
        super().__init__(model)
        self._fixed_for = None  # the parameter set self._fixed was worked out for
        self._fixed: dict[str, float] = {}

    def fixed_costs(self) -> dict[str, float]:
        """The week's costs that do not depend on what happened in it: funded treatment
        places, practitioners' pay and programmes, worked out again when the parameters change
        (they change exactly when the active levers do)."""
        m, p = self.model, self.model.p
        if self._fixed_for is not p:
            fixed = {
                "cost_treatment": float(m.treatment.places().sum()) * p.cost_treatment_place_per_year / 52,
                "cost_staff": m.allocation.n_employed * p.cost_practitioner_per_year / 52,
            }
            for lever in m.active_levers:
                weekly = lever.programme_cost_per_year(p) * m.scale / 52
                for line in ("cost_programmes", f"cost_programmes_{lever.payer}"):
                    fixed[line] = fixed.get(line, 0.0) + weekly
            self._fixed, self._fixed_for = fixed, p
        return self._fixed

    def step(self, record: dict[str, float]) -> None:
        """Add the week's cost lines to ``record``, the week's counts and stocks."""
        p = self.model.p
        record.update(dict.fromkeys(COST_LINES, 0.0))
        record.update(self.fixed_costs())
        record["cost_testing"] = record["tests"] * p.cost_test
        training = record["practitioners_trained"] * p.cost_training_per_practitioner
        record["cost_staff"] += record["pre_sentence_reports"] * p.cost_psr + training
        record["cost_custody"] = record["in_custody"] * p.cost_prison_per_year / 52
        acquisitive = record["offences_acquisitive"] * p.unit_cost_acquisitive
        other = record["offences_other"] * p.unit_cost_other
        record["cost_crime_acquisitive"] = acquisitive
        record["cost_crime_other"] = other
        record["cost_crime"] = acquisitive + other
        record["cost_deaths"] = (record["drug_deaths"] + record["drug_deaths_after_supervision"]) * p.unit_cost_drug_death
