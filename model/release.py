"""Prison releases: treatment in custody and its continuity in the community.

For each person released onto licence: were they in treatment in custody, is a community
appointment and an opioid-substitution prescription arranged, does the same provider serve
prison and community (the South Wales arrangement), do they carry naloxone. A person picked
up by community treatment joins the waiting list with priority; the treatment process
admits them and counts the pick-up if they start within three weeks of release.
"""

from __future__ import annotations

import numpy as np

from .people import NO_USE, NONPROBLEMATIC, PROBLEMATIC
from .process import Process

PICKUP_WINDOW_WEEKS = 3  # OHID continuity-of-care measure: treatment starts within 3 weeks


class PrisonRelease(Process):
    name = "release"

    def arrange(self, idx: np.ndarray) -> None:
        m, p, people, u = self.model, self.model.p, self.people, self.chance.uniform
        use = people.drug_use[idx]
        treated_chance = np.select(
            [use == PROBLEMATIC, use == NONPROBLEMATIC],
            [p.in_treatment_at_release_problematic, p.in_treatment_at_release_nonproblematic],
            0.0,
        )
        treated = idx[u(idx) < treated_chance]
        people.released_in_treatment[treated] = True
        people.identified[treated] = u(treated) < p.identify_at_release_in_treatment
        people.ost_arranged[treated] = people.ocu[treated] & (u(treated) < p.ost_prescription_at_release)

        same_provider = m.same_provider[people.region[treated]] | (u(treated) < p.same_provider_extra_share)
        appointment = u(treated) < p.release_appointment
        pickup_chance = np.where(
            same_provider,
            p.pickup_same_provider,
            np.where(appointment, p.pickup_with_appointment, p.pickup_without_appointment),
        )
        picked_up = treated[u(treated) < pickup_chance]
        m.treatment.join_waiting_list(picked_up, priority=True)

        naloxone_chance = p.approved_premises_share * p.naloxone_ap_coverage + (1 - p.approved_premises_share) * p.naloxone_other_release
        users = idx[use != NO_USE]
        people.naloxone[users] = u(users) < naloxone_chance
        m.count("releases_in_treatment", treated.size)
