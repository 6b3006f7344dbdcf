"""People on probation as columnar arrays: one row per person, one array per attribute.

As in Covasim and Starsim, there is no Python object per person: each weekly process works
on boolean masks and index arrays. Rows are slots; a person who leaves frees the slot for a
new entrant, so memory stays proportional to the caseload however long the run.

A person is *active* while the model tracks them: while *supervised*; while *in custody*
after a recall or a breach that ends in custody (they come back to supervision on
release); and after their order ends, until 52 weeks after its start, for the Ministry of
Justice one-year proven reoffending measure (the follow-up period). After that, people are
followed for the rest of the run in a population of their own, with the same columns
(:mod:`model.processes.after_supervision`), until they die or come back on a new order.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import literal_unroll

from .passes import every_core

# route into probation
COMMUNITY_ORDER, SUSPENDED_SENTENCE, LICENCE = 0, 1, 2

# drug use states
NO_USE, NONPROBLEMATIC, PROBLEMATIC = 0, 1, 2

# how a prison leaver treated in custody was handed over to community treatment
NO_HANDOVER, APPOINTMENT, SAME_PROVIDER = 0, 1, 2

# how a person's last treatment ended: under way (or ended by custody or death), dropped out, completed
UNDER_WAY, DROPPED_OUT, COMPLETED = 0, 1, 2

# why a person leaves this week (set by a process, acted on by the exit process)
STAYS, ORDER_ENDS, RECALLED, BREACHED, DIED, FOLLOW_UP_ENDS = 0, 1, 2, 3, 4, 5

NEVER = -(2**30)  # a week number for events that have not happened

FIELDS: dict[str, tuple[type, object]] = {
    "uid": (np.int32, -1),
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
    "handover": (np.int8, 0),  # how a prison leaver treated in custody was handed over: see NO_HANDOVER
    "naloxone": (np.bool_, False),
    "in_custody": (np.bool_, False),
    "custody_until": (np.int32, NEVER),
    "rate_acquisitive": (np.float64, 0.0),
    "rate_drug_driven": (np.float64, 0.0),
    "rate_other": (np.float64, 0.0),
    "next_proven_offence": (np.float64, np.inf),
    "reoffended": (np.bool_, False),
    "leaving": (np.int8, STAYS),
    # how the last treatment ended, and any proven reoffence within two years of its start (MoJ/PHE 2017's measure)
    "treatment_outcome": (np.int8, 0),  # see UNDER_WAY
    "reoffended_since_treatment_start": (np.bool_, False),
    # after supervision (model.processes.after_supervision): the week of each next event
    "death_week": (np.int32, NEVER),
    "use_week": (np.int32, NEVER),
    "treatment_week": (np.int32, NEVER),
    "desist_week": (np.int32, NEVER),
    "next_event": (np.int64, 2**30 - 1),  # the only int64 column: a block of its own, contiguous in any layout
    "watched": (np.bool_, False),  # every proven offence is an event (within two years of a treatment start)
}

# Positions of the fields in Population.arrays, the tuple that compiled kernels take.
(
    UID, ACTIVE, SUPERVISED, ROUTE, REGION, FEMALE, AGE, START_WEEK, END_WEEK, PRACTITIONER, DRUG_USE, OCU, SEVERITY, RISK,
    IDENTIFIED, WAITING, WAIT_SINCE, PRIORITY, IN_TREATMENT, TREATMENT_START, OST, OST_ARRANGED, DRR, DRR_END, EVER_TESTED,
    LAST_TEST, RELEASE_WEEK, RELEASED_IN_TREATMENT, PICKUP_WEEK, HANDOVER, NALOXONE, IN_CUSTODY, CUSTODY_UNTIL, RATE_ACQUISITIVE,
    RATE_DRUG_DRIVEN, RATE_OTHER, NEXT_PROVEN_OFFENCE, REOFFENDED, LEAVING, TREATMENT_OUTCOME,
    REOFFENDED_SINCE_TREATMENT_START, DEATH_WEEK, USE_WEEK, TREATMENT_WEEK, DESIST_WEEK, NEXT_EVENT, WATCHED,
) = range(len(FIELDS))
RATE_TOTALS = len(FIELDS)  # Population.arrays ends with the summed rate_acquisitive, rate_drug_driven, rate_other
MAX_UID = 2**31 - 1  # uids are int32, which halves what the weekly passes read
N_FREE, NEXT_UID = 0, 1  # positions in Population.counters, which compiled code updates in place


class Population:
    """The state of every person, stored column by column.

    Columns of the same type are the rows of one two-dimensional block (each column is a
    view of its row), so that resetting new people's rows takes one operation per type
    rather than one per field. Blocks are stored field by field (each column contiguous,
    for passes over everyone) or, ``by_person``, person by person: each person's fields of
    every type side by side in one record (the views of the blocks step from record to
    record), for work that goes from person to person, which then reads one place in
    memory per person rather than one per type. A type with a single field (``region``, and
    ``next_event``, which the calendar of the people followed reads for everyone) keeps a
    contiguous column of its own in either layout.
    """

    def __init__(self, capacity: int = 1024, growth: float = 2.0, by_person: bool = False):
        self.capacity = 0
        self.growth = growth  # capacity grows to this multiple when full (people followed after supervision: less)
        self.by_person = by_person
        self.counters = np.zeros(2, dtype=np.int64)  # free rows and the next uid (see N_FREE, NEXT_UID)
        self.free_rows = np.empty(0, dtype=np.int64)  # a stack: the first counters[N_FREE] are free
        self.row_of_uid = np.full(1024, -1, dtype=np.int64)  # -1: no longer in the model
        self.rate_totals = np.zeros(3)  # everyone's summed offending rates, kept up to date as rates change
        self._columns: dict[np.dtype, list[str]] = {}
        for name, (dtype, _) in FIELDS.items():
            self._columns.setdefault(np.dtype(dtype), []).append(name)
        self._defaults = {
            dtype: np.array([FIELDS[name][1] for name in names], dtype=dtype)[:, None] for dtype, names in self._columns.items()
        }
        # Where each type's fields start in a person's record (by_person; larger types first, so
        # every field is aligned), and the record's length in bytes, a whole number of 8.
        self._offsets: dict[np.dtype, int] = {}
        end = 0
        if by_person:
            for dtype in sorted(self._columns, key=lambda d: -d.itemsize):
                if len(self._columns[dtype]) > 1:
                    self._offsets[dtype] = end
                    end += len(self._columns[dtype]) * dtype.itemsize
        self._record_bytes = -(-end // 8) * 8
        self._record = np.empty((0, self._record_bytes), dtype=np.uint8)
        self._default_record = np.zeros(self._record_bytes, dtype=np.uint8)  # a new person's record, every field at its default
        for dtype, start in self._offsets.items():
            defaults = self._defaults[dtype][:, 0].view(np.uint8)
            self._default_record[start : start + defaults.size] = defaults
        # The blocks stored field by field, as contiguous columns: every block, or by_person those of one field.
        self._contiguous = {
            dtype: np.empty((len(names), 0), dtype=dtype) for dtype, names in self._columns.items() if dtype not in self._offsets
        }
        self._grow(capacity)

    def _grow(self, minimum: int) -> None:
        new_capacity = -(-max(minimum, int(self.growth * self.capacity), 1024) // 64) * 64  # whole words of 8 flags: see rows_where
        if self._record_bytes:
            self._blocks = {}  # views of the record: made again once it has grown
            for name in FIELDS:
                self.__dict__.pop(name, None)
            self._resets = self.arrays = ()
            if self._record.flags.owndata:
                # New records are added at the end of the memory, which grows in place (realloc)
                # without copying the people already there.
                self._record.resize((new_capacity, self._record_bytes), refcheck=False)
            else:
                grown = np.empty((new_capacity, self._record_bytes), dtype=np.uint8)
                grown[: self.capacity] = self._record[: self.capacity]
                self._record = grown
            self._record[self.capacity :] = self._default_record  # one contiguous fill, not one strided fill per type
        for dtype, block in self._contiguous.items():
            grown = np.empty((block.shape[0], new_capacity), dtype=dtype)
            grown[:, : self.capacity] = block
            grown[:, self.capacity :] = self._defaults[dtype]
            self._contiguous[dtype] = grown
        self._bind_columns()
        added = np.arange(new_capacity - 1, self.capacity - 1, -1, dtype=np.int64)
        free_rows = np.empty(new_capacity, dtype=np.int64)
        free_rows[: added.size] = added
        free_rows[added.size : added.size + self.n_free] = self.free
        self.free_rows = free_rows
        self.counters[N_FREE] += added.size
        self.capacity = new_capacity

    def _bind_columns(self) -> None:
        """Each type's block (its own array, or a view of the records) and each field's
        array: a view of its row of its type's block."""
        self._blocks = {}
        for dtype, names in self._columns.items():
            if dtype in self._offsets:
                start = self._offsets[dtype]
                fields = self._record[:, start : start + len(names) * dtype.itemsize].view(dtype)
                self._blocks[dtype] = fields.T
            else:
                self._blocks[dtype] = self._contiguous[dtype]
            for k, name in enumerate(names):
                setattr(self, name, self._blocks[dtype][k])
        self._resets = tuple((self._blocks[dtype], self._defaults[dtype][:, 0]) for dtype in self._columns)
        self.arrays = (*(getattr(self, name) for name in FIELDS), self.rate_totals)

    def __getstate__(self) -> dict:
        """Copies and pickles hold the stored arrays only; the views are made again from them."""
        return {
            key: value for key, value in self.__dict__.items() if key not in FIELDS and key not in ("_blocks", "_resets", "arrays")
        }

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._bind_columns()

    @property
    def blocks(self) -> tuple[np.ndarray, ...]:
        """The two-dimensional blocks, one per type, in the same order in every population
        (to copy people between populations: :func:`copy_rows`)."""
        return tuple(self._blocks[dtype] for dtype in self._columns)

    @property
    def next_uid(self) -> int:
        return int(self.counters[NEXT_UID])

    @property
    def n_free(self) -> int:
        return int(self.counters[N_FREE])

    @property
    def free(self) -> np.ndarray:
        """The free rows."""
        return self.free_rows[: self.n_free]

    def reserve(self, n: int) -> None:
        """Make room for ``n`` more people: free rows, and uids to give them."""
        if n > self.n_free:
            self._grow(self.capacity + n)
        if self.next_uid + n > MAX_UID:
            raise OverflowError(f"more than {MAX_UID:,} people over the run: uids are int32")
        if self.next_uid + n > self.row_of_uid.size:
            grown = np.full(max(2 * self.row_of_uid.size, self.next_uid + n), -1, dtype=np.int64)
            grown[: self.row_of_uid.size] = self.row_of_uid
            self.row_of_uid = grown

    def add(self, n: int) -> np.ndarray:
        """Take ``n`` free rows for new people, every field at its default; returns their
        row indices."""
        self.reserve(n)
        return _take(n, self.free_rows, self.counters, self._resets, self.uid, self.active, self.row_of_uid)

    def remove(self, idx: np.ndarray) -> None:
        """Free the rows of people who have left the model."""
        _vacate(self.arrays, idx, self.row_of_uid, self.free_rows, self.counters)

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



@numba.njit(cache=True)
def _take(n, free_rows, counters, blocks, uid, active, row_of_uid):  # pragma: no cover - compiled
    """Rows for ``n`` new people, taken from the top of the free stack (the caller has made
    room: :meth:`Population.reserve`): every field at its default (``blocks`` holds a
    (block, defaults) pair per type), then the next uids, and active."""
    idx = take_rows(n, free_rows, counters)
    for pair in literal_unroll(blocks):
        _reset(uid, idx, pair[0], pair[1])
    first_uid = counters[NEXT_UID]
    for j in range(n):
        uid[idx[j]] = first_uid + j
        row_of_uid[first_uid + j] = idx[j]
        active[idx[j]] = True
    counters[NEXT_UID] = first_uid + n
    return idx


@every_core
def _reset(everyone, rows, block, defaults):  # pragma: no cover - compiled
    """Every field of ``block`` (one row per field) at its default in ``rows``. The rows are
    scattered, so each field of each is a fetch from memory: at full scale two cores make
    them side by side (the week about 5% faster, measured); ``everyone`` is any column, for
    the population's size (see :mod:`model.passes`)."""
    for j in numba.prange(rows.size):
        i = rows[j]
        for k in range(block.shape[0]):
            block[k, i] = defaults[k]


@numba.njit(cache=True)
def copy_rows(pairs, source_rows, target_rows):  # pragma: no cover - compiled
    """Every field of the people in ``source_rows`` of one population into ``target_rows``
    of another (``pairs`` holds a (source block, target block) pair per type)."""
    for pair in literal_unroll(pairs):
        _copy_block(pair[0][0], pair[0], pair[1], source_rows, target_rows)


@every_core
def _copy_block(everyone, source, target, source_rows, target_rows):  # pragma: no cover - compiled
    """The work of :func:`copy_rows` for one block: the rows are scattered, so at full scale
    two cores fetch them side by side; ``everyone`` is a column of the source, for its size
    (see :mod:`model.passes`)."""
    for j in numba.prange(source_rows.size):
        for k in range(source.shape[0]):
            target[k, target_rows[j]] = source[k, source_rows[j]]


@numba.njit(cache=True)
def take_rows(n, free_rows, counters):  # pragma: no cover - compiled
    """``n`` free rows from the top of the free stack, their fields left as they are (for
    people copied in whole: :func:`copy_rows`)."""
    top = counters[N_FREE]
    counters[N_FREE] = top - n
    return free_rows[top - n : top].copy()


@numba.njit(cache=True)
def _vacate(people, rows, row_of_uid, free_rows, counters):  # pragma: no cover - compiled
    """Take people out of every weekly process and out of the rate totals (person by person
    in the order of ``rows``, so the sums do not depend on the cores used); their rows go on
    the free stack."""
    totals = people[RATE_TOTALS]
    rates = _clear(
        people[UID], rows, row_of_uid, people[ACTIVE], people[SUPERVISED], people[IN_TREATMENT], people[WAITING],
        people[NEXT_PROVEN_OFFENCE], people[RATE_ACQUISITIVE], people[RATE_DRUG_DRIVEN], people[RATE_OTHER],
    )
    for j in range(rows.size):
        for k in range(3):
            totals[k] -= rates[k, j]
        free_rows[counters[N_FREE]] = rows[j]
        counters[N_FREE] += 1


@every_core
def _clear(
    uid, rows, row_of_uid, active, supervised, in_treatment, waiting, next_proven_offence, rate_acquisitive,
    rate_drug_driven, rate_other,
):  # pragma: no cover - compiled
    """The work of :func:`_vacate` for each row (on every core at full scale: the rows are
    scattered, see :mod:`model.passes`); returns their offending rates before clearing."""
    rates = np.empty((3, rows.size))
    for j in numba.prange(rows.size):
        i = rows[j]
        row_of_uid[uid[i]] = -1
        active[i] = supervised[i] = in_treatment[i] = waiting[i] = False
        next_proven_offence[i] = np.inf
        rates[0, j], rates[1, j], rates[2, j] = rate_acquisitive[i], rate_drug_driven[i], rate_other[i]
        rate_acquisitive[i] = rate_drug_driven[i] = rate_other[i] = 0.0
    return rates


@numba.njit(cache=True)
def rows_where(flags: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """``np.flatnonzero`` for the kernels, quick on the sparse masks they make: eight flags
    are read as one word and skipped together when all are off. ``flags.size`` must be a
    multiple of 8 (population capacities are)."""
    words = flags.view(np.uint64)
    rows = np.empty(flags.size, dtype=np.int64)
    n = 0
    for w in range(words.size):
        if words[w]:
            for i in range(8 * w, 8 * w + 8):
                rows[n] = i
                n += flags[i]
    return rows[:n]
