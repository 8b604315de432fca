"""The limits of a dynamics analysis, shared by :func:`~hmlsim.dynamics.analysis.analyse`
and ``hmlsim fixed-points`` (a module without imports, so the command's help is fast)."""

#: the finest ε: the basins are computed on a grid of 1/ε points (ε = 1e-5 takes ~8 s
#: and 0.4 GB; 1e-6 over 2 GB)
MIN_EPSILON = 1e-5
#: the longest cycle searched for: the search grows with the square of the period
#: (100 takes ~3 s; 1,000 over a minute)
MAX_PERIOD = 100
