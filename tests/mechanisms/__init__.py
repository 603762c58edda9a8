"""Tests of the mechanisms: ``tests/mechanisms/test_<name>.py`` for ``iei_sim/mechanisms/<name>.py``."""
