"""The nine weekly processes of the brief, one module each, in the order ``ProbationModel.step``
runs them: intake (with courts and prison release), allocation, supervision, treatment,
testing, drug use, offending, deaths and exits."""
