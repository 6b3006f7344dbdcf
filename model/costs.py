"""Weekly cost accounting, in 2019/20 prices, at the model's scale.

Lines: treatment (funded places), testing (tests done), staff (practitioners employed,
pre-sentence reports, one-off training), custody (weeks in prison after recall or breach),
crime (offences by type at Home Office unit costs), deaths (valued only when
``unit_cost_drug_death`` is set) and programmes (the stated yearly cost of active policy
levers that buy nothing the model prices itself).
"""

from __future__ import annotations

from .process import Process

COST_LINES = ("cost_treatment", "cost_testing", "cost_staff", "cost_custody", "cost_crime", "cost_deaths", "cost_programmes")

PAYERS = {  # who pays each line, for the Green Book tables
    "cost_treatment": "health",
    "cost_testing": "probation",
    "cost_staff": "probation",
    "cost_custody": "custody",
    "cost_crime": "society",
    "cost_deaths": "society",
}


class Costs(Process):
    name = "costs"

    def step(self) -> None:
        m, p = self.model, self.model.p
        tally = m.tally
        places = sum(service.places for service in m.treatment.services)
        m.count("cost_treatment", places * p.cost_treatment_place_per_year / 52)
        m.count("cost_testing", tally["tests"] * p.cost_test)
        m.count(
            "cost_staff",
            m.allocation.n_employed * p.cost_practitioner_per_year / 52
            + tally["pre_sentence_reports"] * p.cost_psr
            + tally["practitioners_trained"] * p.cost_training_per_practitioner,
        )
        m.count("cost_custody", tally["custody_weeks"] * p.cost_prison_per_year / 52)
        m.count("cost_crime", tally["offences_acquisitive"] * p.unit_cost_acquisitive + tally["offences_other"] * p.unit_cost_other)
        drug_deaths = tally["drug_deaths"] + tally["drug_deaths_after_supervision"]
        m.count("cost_deaths", drug_deaths * p.unit_cost_drug_death)
        m.count("cost_programmes", sum(lever.programme_cost_per_year for lever in m.active_levers) * m.scale / 52)
