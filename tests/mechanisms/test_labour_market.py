"""The graduate labour market (``iei_sim.mechanisms.labour_market``): host firms keep interns,
and in each region and sector the most skilled graduates fill the vacancies."""

import numpy as np
import pytest
from tests.helpers import FAST_DEPTH, tiny

from iei_sim.model import IEIModel


def test_host_firms_keep_their_interns_only_when_retention_is_possible():
    """A subsidy per intern makes firms host interns whatever the retention probability."""
    interned = {}
    for probability in (0.0, 1.0):
        overrides = {
            **FAST_DEPTH,
            "policy.subsidies.per_intern": 3.0,
            "labour_market.retention_probability": probability,
        }
        model = IEIModel(tiny(overrides, steps=6), seed=3)
        interned[probability] = 0
        for _ in range(6):
            model.step()
            st, labour = model.students, model.labour
            grads = st.graduates
            interned[probability] += labour.interned
            at_host = (st.intern_firm[grads] >= 0) & (st.employer[grads] == st.intern_firm[grads])
            if probability == 0.0:
                assert labour.retained == 0
            else:  # every intern asks to stay: all but those beyond a host's vacancies stay
                assert labour.retained == at_host.sum() <= labour.interned
            savings = sum(firm.retention_savings for firm in model.firm_list)
            # each retained graduate saves a recruitment, less what a lagging curriculum leaves
            # and less what a graduate who cannot advance is worth
            kept = grads[at_host]
            discount = (
                st.currency_discount(kept) * st.advancement(kept)
                if labour.retained
                else np.zeros(0)
            )
            assert savings == pytest.approx(discount.sum() * model.config.firms.recruitment_cost)
            assert savings <= labour.retained * model.config.firms.recruitment_cost + 1e-9
    assert interned[0.0] > 0 and interned[1.0] > 0


def test_the_most_skilled_graduates_fill_the_vacancies_of_their_region_and_sector():
    """Without retention, migration and cross-sector jobs, a cell's (home region, sector)
    hired graduates are each at least as skilled as any of its unemployed."""
    direct = {
        "labour_market.retention_probability": 0.0,
        "labour_market.migration_base": 0.0,
        "labour_market.migration_wage_elasticity": 0.0,
        "labour_market.unmatched_cross_sector": 0.0,
    }
    model = IEIModel(tiny(direct, steps=4), seed=3)
    contested = 0
    for _ in range(4):
        model.step()
        st = model.students
        grads = st.graduates
        skill = st.job_skill(grads)  # as employers saw it: nothing later in the year changes it
        hired = st.employer[grads] >= 0
        cells = st.home_region[grads].astype(np.int64) * len(model.sectors) + st.sector[grads]
        for cell in np.unique(cells):
            here = cells == cell
            if hired[here].any() and not hired[here].all():
                contested += 1
                assert skill[here & hired].min() >= skill[here & ~hired].max()
    assert contested > 0  # some cells had more graduates than posts
