"""The appraisal: what a run's weekly record costs (``costs``), its national outcomes
(``outcomes``), Green Book economics of scenarios against the baseline (``economics``) and the
report (``report``). It reads the simulation's records and imports nothing above it."""
