"""Hotspot forecasting: a pure library (numpy, scipy — no Django) and an evaluation CLI.

``python -m cunjing.analysis evaluate --csv FILE --type TYPE --start YYYY-MM-DD --weeks N``
scores every method by rolling-origin evaluation; ``forecast`` prints next week's top cells.

The default method (``methods.DEFAULT``, the self-tuned ``Blend``) ranks cells by exponentially
decayed counts over all history, lightly smoothed, plus a short-term near-repeat term; it picks
its half-life and weights by rolling validation on the weeks before each forecast.
``synthetic.city`` generates intersection-snapped city records in several variants, and
``python -m bench._accuracy`` scores the default against every baseline on them.
"""

from .evaluate import LEVELS, Cube, Evaluation, build_cube, burn_in_mask, evaluate
from .events import Events, LoadReport, load_csv
from .grid import Grid, Projection, make_grid
from .methods import DEFAULT, History, all_methods

__all__ = [
    "DEFAULT",
    "LEVELS",
    "Cube",
    "Evaluation",
    "Events",
    "Grid",
    "History",
    "LoadReport",
    "Projection",
    "all_methods",
    "build_cube",
    "burn_in_mask",
    "evaluate",
    "load_csv",
    "make_grid",
]
