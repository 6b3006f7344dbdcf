"""Random numbers: each week's draws are fresh, and per-person draws are the same in every scenario."""

import numpy as np

from model.streams import Chance, draw


def test_weekly_generators_give_independent_draws_from_week_to_week():
    """A process's generator is reset to its own part of the period each week; the weekly
    draws of a long run must look like independent draws (a power-of-two jump would not)."""
    for seed in (1, 2, 3):
        chance = Chance(np.random.SeedSequence(seed), "intake")
        counts, firsts = [], []
        for week in range(-52, 4000):
            chance.new_week(week)
            counts.append(chance.rng.poisson(192.3))
            firsts.append(chance.rng.random())
        counts, firsts = np.array(counts), np.array(firsts)
        assert abs(counts.mean() - 192.3) < 4 * np.sqrt(192.3 / counts.size), seed
        assert abs(firsts.mean() - 0.5) < 4 * np.sqrt(1 / 12 / firsts.size), seed
        assert abs(np.corrcoef(firsts[:-1], firsts[1:])[0, 1]) < 4 / np.sqrt(firsts.size), seed


def test_a_person_draws_the_same_number_whoever_else_is_drawn_for():
    """A draw depends on the person's uid and the call's salt alone (common random numbers)."""
    chance = Chance(np.random.SeedSequence(7), "testing")
    chance.new_week(3)
    salt = chance.salt()
    uids = np.arange(40_000)
    forwards = np.array([draw(uid, salt) for uid in uids])
    backwards = np.array([draw(uid, salt) for uid in uids[::-1]])
    assert np.array_equal(forwards, backwards[::-1])
    assert np.all((forwards >= 0) & (forwards < 1)) and abs(forwards.mean() - 0.5) < 4 * np.sqrt(1 / 12 / uids.size)
    chance.new_week(3)
    assert chance.salt() == salt  # the same week and call: the same salt
    assert chance.salt() != salt  # the next call: another


def test_a_week_s_generator_starts_at_its_own_jump_whatever_was_worked_out_before_and_on_any_thread():
    """The week's starting state (kept, and worked out on a scratch generator per thread) is the
    stream's start jumped ``(week + offset) x golden`` ahead, as a generator made afresh finds it."""
    from concurrent.futures import ThreadPoolExecutor

    from model.streams import _WEEK_JUMP, _WEEK_OFFSET, _week_state

    start = np.random.PCG64(np.random.SeedSequence(11)).state["state"]

    def expected(week):
        bit_generator = np.random.PCG64(np.random.SeedSequence(11))
        bit_generator.advance((week + _WEEK_OFFSET) * _WEEK_JUMP % 2**128)
        return bit_generator.state

    weeks = [-52, 0, 1, 519, 3, 0]
    worked_out = [_week_state.__wrapped__(start["state"], start["inc"], week) for week in weeks]
    with ThreadPoolExecutor(4) as pool:
        on_threads = list(pool.map(lambda week: _week_state.__wrapped__(start["state"], start["inc"], week), weeks * 20))
    for week, state in zip(weeks * 21, worked_out + on_threads):
        assert state == expected(week), week
