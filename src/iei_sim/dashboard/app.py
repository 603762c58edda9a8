"""The Solara app that :mod:`iei_sim.dashboard.server` serves; ``iei-sim dashboard`` sets the
scenario.

Display only: the page is built in :mod:`iei_sim.dashboard.page`.
"""

from __future__ import annotations

import os

from iei_sim.dashboard import SCENARIO_ENV, default_scenario
from iei_sim.dashboard.page import make_page

page = make_page(os.environ.get(SCENARIO_ENV) or default_scenario())
