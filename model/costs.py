"""Weekly cost accounting, in 2019/20 prices, at the model's scale.

Lines: treatment (funded places), testing (tests done), staff (practitioners employed,
pre-sentence reports, one-off training), custody (people in prison after recall or breach),
crime (offences by type at Home Office unit costs), deaths (valued only when
``unit_cost_drug_death`` is set) and programmes (the stated yearly cost of active policy
levers that buy nothing the model prices itself), also split by payer.
"""

from __future__ import annotations

import numpy as np

from .process import Process

COST_LINES = (
    "cost_treatment", "cost_testing", "cost_staff", "cost_custody",
    "cost_crime", "cost_crime_acquisitive", "cost_crime_other", "cost_deaths",
    "cost_programmes", "cost_programmes_probation", "cost_programmes_health",
)



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
        m.count("cost_custody", np.count_nonzero(m.people.in_custody) * p.cost_prison_per_year / 52)
        acquisitive = tally["offences_acquisitive"] * p.unit_cost_acquisitive
        other = tally["offences_other"] * p.unit_cost_other
        m.count("cost_crime_acquisitive", acquisitive)
        m.count("cost_crime_other", other)
        m.count("cost_crime", acquisitive + other)
        drug_deaths = tally["drug_deaths"] + tally["drug_deaths_after_supervision"]
        m.count("cost_deaths", drug_deaths * p.unit_cost_drug_death)
        for lever in m.active_levers:
            weekly = lever.programme_cost_per_year(p) * m.scale / 52
            m.count("cost_programmes", weekly)
            m.count(f"cost_programmes_{lever.payer}", weekly)
