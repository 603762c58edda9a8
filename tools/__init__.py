"""Generators of the committed documentation, run from the source checkout (``make docs``,
``make validation``); not part of the installed package.

- :mod:`tools.scenario_reference`: ``docs/scenario-reference.md`` from the scenario schema;
- :mod:`tools.odd_schedule`: ODD §3's year and mechanism table in ``docs/ODD.md``;
- :mod:`tools.outcome_reference`: ``docs/outcomes.md`` from the outcome registry;
- :mod:`tools.validation_report`: ``docs/validation.md`` and ``docs/figures/``.

``tests/test_docs.py`` fails when a generated document differs from what its generator writes.
"""
