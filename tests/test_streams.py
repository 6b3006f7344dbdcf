"""Random numbers: each week's draws are fresh, and per-person draws are the same in every scenario."""

import numpy as np

from model.people import Population
from model.streams import Chance, draw


def test_weekly_generators_give_independent_draws_from_week_to_week():
    """A process's generator is reset to its own part of the period each week; the weekly
    draws of a long run must look like independent draws (a power-of-two jump would not)."""
    people = Population(8)
    for seed in (1, 2, 3):
        chance = Chance(np.random.SeedSequence(seed), "intake", people)
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
    people = Population(64)
    rows = people.add(40)
    chance = Chance(np.random.SeedSequence(7), "testing", people)
    chance.new_week(3)
    salt = chance.salt()
    everyone = np.array([draw(people.uid[i], salt) for i in rows])
    chance.new_week(3)
    assert np.array_equal(chance.uniform(rows[::-1]), everyone[::-1])
    assert np.all((everyone >= 0) & (everyone < 1)) and 0.3 < everyone.mean() < 0.7
