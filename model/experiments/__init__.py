"""The experiments: policy levers and scenarios (``levers``, ``scenarios``), paired ensembles
on Dask (``ensemble``), the calibration posterior (``posterior``), sensitivity analysis
(``sensitivity``), the baseline check (``check_baseline``) and the command-line plumbing
(``cli``, ``outputs``). They use the simulation and the appraisal below them."""
