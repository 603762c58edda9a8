"""Tests of the agents: ``tests/agents/test_<name>.py`` for ``iei_sim/agents/<name>.py``."""
