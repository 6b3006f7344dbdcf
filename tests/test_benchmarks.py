"""The benchmark's per-agent reference runs the same weekly rules at a tiny scale (so the
speed comparison cannot rot unnoticed). Timing itself is left to benchmarks/, never tests."""

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from reference_model import Person, ReferenceModel  # noqa: E402


def test_the_per_agent_reference_keeps_a_caseload_of_mesa_agents():
    model = ReferenceModel(scale=0.005, seed=1)
    start = model.supervised
    for _ in range(8):
        model.step()
    assert all(isinstance(agent, Person) for agent in model.agents)
    assert 0.8 * start < model.supervised < 1.2 * start
    assert model.offences > 0
    assert all(0 <= occupied <= places for occupied, places in zip(model.occupied, model.places))


def test_the_paired_comparison_refuses_bad_input_in_one_line_and_its_jobs_are_python():
    import paired

    for arguments, named in ((["no-such-revision"], "no-such-revision"), (["HEAD", "--rounds", "0"], "--rounds")):
        done = subprocess.run([sys.executable, paired.__file__, *arguments], capture_output=True, text=True)
        assert done.returncode == 2 and done.stderr.count("\n") == 1 and named in done.stderr, done.stderr
    for job, code in paired.JOBS.items():
        compile(code, job, "exec")


def test_the_week_profile_shares_out_the_whole_compiled_week_among_the_weekly_processes():
    import week_profile

    done = subprocess.run(
        [sys.executable, week_profile.__file__, "--scale", "0.005", "--weeks", "3"], capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    rows = [line.split(maxsplit=2) for line in done.stdout.splitlines()[2:]]  # share, thousand cycles, step
    shares = {step: float(share.rstrip("%")) for share, _, step in rows}
    assert set(shares) <= {*week_profile.STEPS.values(), week_profile.BOOKKEEPING}
    assert {"offending, breach and recall", "after supervision: the week of the people followed", "exits"} <= set(shares)
    assert abs(sum(shares.values()) - 100) < 0.1 * len(shares)  # each share rounded to 0.1%
    bad = subprocess.run([sys.executable, week_profile.__file__, "--weeks", "0"], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "--weeks" in bad.stderr, bad.stderr
