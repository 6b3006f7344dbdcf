"""People on probation as columnar arrays: one row per person, one array per attribute.

As in Covasim and Starsim, there is no Python object per person: each weekly process works
on boolean masks and index arrays. Rows are slots; a person who leaves frees the slot for a
new entrant, so memory stays proportional to the caseload however long the run.

A person is *active* while the model tracks them: while *supervised*; while *in custody*
after a recall or a breach that ends in custody (they come back to supervision on
release); and after their order ends, until 52 weeks after its start, for the Ministry of
Justice one-year proven reoffending measure (the follow-up period).
"""

from __future__ import annotations

import numpy as np

# route into probation
COMMUNITY_ORDER, SUSPENDED_SENTENCE, LICENCE = 0, 1, 2

# drug use states
NO_USE, NONPROBLEMATIC, PROBLEMATIC = 0, 1, 2

# why a person leaves this week (set by a process, acted on by the exit process)
STAYS, ORDER_ENDS, RECALLED, BREACHED, DIED, FOLLOW_UP_ENDS = 0, 1, 2, 3, 4, 5

NEVER = -(2**30)  # a week number for events that have not happened

FIELDS: dict[str, tuple[type, object]] = {
    "uid": (np.int64, -1),
    "active": (np.bool_, False),
    "supervised": (np.bool_, False),
    "route": (np.int8, COMMUNITY_ORDER),
    "region": (np.int16, 0),
    "female": (np.bool_, False),
    "age": (np.float32, 0.0),
    "start_week": (np.int32, 0),
    "end_week": (np.int32, 0),
    "practitioner": (np.int32, -1),
    "drug_use": (np.int8, NO_USE),
    "ocu": (np.bool_, False),
    "severity": (np.float32, 1.0),
    "risk": (np.float32, 1.0),
    "identified": (np.bool_, False),
    "waiting": (np.bool_, False),
    "wait_since": (np.int32, NEVER),
    "priority": (np.bool_, False),
    "in_treatment": (np.bool_, False),
    "treatment_start": (np.int32, NEVER),
    "ost": (np.bool_, False),
    "ost_arranged": (np.bool_, False),
    "drr": (np.bool_, False),
    "drr_end": (np.int32, NEVER),
    "ever_tested": (np.bool_, False),
    "last_test": (np.int32, NEVER),
    "release_week": (np.int32, NEVER),
    "released_in_treatment": (np.bool_, False),
    "pickup_week": (np.int32, NEVER),
    "naloxone": (np.bool_, False),
    "in_custody": (np.bool_, False),
    "custody_until": (np.int32, NEVER),
    "rate_acquisitive": (np.float64, 0.0),
    "rate_drug_driven": (np.float64, 0.0),
    "rate_other": (np.float64, 0.0),
    "next_proven_offence": (np.float64, np.inf),
    "reoffended": (np.bool_, False),
    "leaving": (np.int8, STAYS),
}


class Population:
    """The state of every person, stored column by column."""

    def __init__(self, capacity: int = 1024):
        self.capacity = 0
        self.next_uid = 0
        self.free = np.empty(0, dtype=np.int64)
        self.row_of_uid = np.full(1024, -1, dtype=np.int64)  # -1: no longer in the model
        for name, (dtype, default) in FIELDS.items():
            setattr(self, name, np.empty(0, dtype=dtype))
        self._grow(capacity)

    def _grow(self, minimum: int) -> None:
        new_capacity = max(minimum, 2 * self.capacity, 1024)
        for name, (dtype, default) in FIELDS.items():
            old = getattr(self, name)
            new = np.full(new_capacity, default, dtype=dtype)
            new[: old.size] = old
            setattr(self, name, new)
        added = np.arange(new_capacity - 1, self.capacity - 1, -1, dtype=np.int64)
        self.free = np.concatenate([added, self.free])
        self.capacity = new_capacity

    def add(self, n: int, assigned: frozenset[str] = frozenset()) -> np.ndarray:
        """Take ``n`` free rows for new people; returns their row indices. Every field is
        reset to its default except those in ``assigned``, which the caller sets at once."""
        if n > self.free.size:
            self._grow(self.capacity + n)
        idx = np.sort(self.free[self.free.size - n :])
        self.free = self.free[: self.free.size - n]
        for name, (dtype, default) in FIELDS.items():
            if name not in assigned:
                getattr(self, name)[idx] = default
        self.uid[idx] = np.arange(self.next_uid, self.next_uid + n)
        if self.next_uid + n > self.row_of_uid.size:
            grown = np.full(max(2 * self.row_of_uid.size, self.next_uid + n), -1, dtype=np.int64)
            grown[: self.row_of_uid.size] = self.row_of_uid
            self.row_of_uid = grown
        self.row_of_uid[self.next_uid : self.next_uid + n] = idx
        self.next_uid += n
        self.active[idx] = True
        return idx

    def remove(self, idx: np.ndarray) -> None:
        """Free the rows of people who have left the model."""
        self.row_of_uid[self.uid[idx]] = -1
        self.active[idx] = False
        self.supervised[idx] = False
        self.in_treatment[idx] = False
        self.waiting[idx] = False
        self.next_proven_offence[idx] = np.inf
        self.rate_acquisitive[idx] = 0.0
        self.rate_drug_driven[idx] = 0.0
        self.rate_other[idx] = 0.0
        self.free = np.concatenate([self.free, idx.astype(np.int64)])

    def where(self, mask: np.ndarray) -> np.ndarray:
        """Row indices where ``mask`` holds."""
        return np.flatnonzero(mask)

    @property
    def n_supervised(self) -> int:
        return int(np.count_nonzero(self.supervised))

    def person(self, uid: int) -> dict[str, object]:
        """One person's current record, by unique id (for notebooks and debugging)."""
        rows = np.flatnonzero((self.uid == uid) & self.active)
        if rows.size == 0:
            raise KeyError(f"no active person with uid {uid}")
        row = rows[0]
        return {name: getattr(self, name)[row].item() for name in FIELDS}
