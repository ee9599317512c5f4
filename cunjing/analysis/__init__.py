"""Hotspot forecasting: a pure library (numpy, scipy — no Django) and an evaluation CLI.

``python -m cunjing.analysis evaluate --csv FILE --type TYPE --start YYYY-MM-DD --weeks N``
scores every method by rolling-origin evaluation; ``forecast`` prints next week's top cells.
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
