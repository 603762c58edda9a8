"""The model's identity: a behavioural fingerprint that any change of behaviour changes, cheap
for users because it is cached by the package's sources and library versions."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from iei_sim import identity
from iei_sim.mechanisms.monitoring import Monitoring
from iei_sim.scenario import load_scenario


@pytest.fixture(scope="module")
def computed() -> str:
    return identity.compute_fingerprint()


def test_the_packaged_scenario_switches_every_policy_instrument_on():
    with resources.as_file(resources.files("iei_sim") / identity.FINGERPRINT_SCENARIO) as path:
        scenario = load_scenario(path)
    policy = scenario.policy
    assert policy.tax_deduction.enabled and policy.platform.enabled
    assert policy.risk_sharing.rule == "shared" and policy.risk_sharing.fund_budget > 0
    assert min(policy.subsidies.model_dump().values()) > 0
    assert policy.monitoring.intensity > 0 and policy.monitoring.evaluation_funding > 0
    assert policy.monitoring.education_bonus > 0
    assert policy.practical_share_floor > 0 and policy.formal_contract_support > 0
    assert any(region.policy is not None for region in scenario.regions.values())
    assert scenario.risk.enabled and scenario.knowledge.enabled


def test_a_change_of_behaviour_changes_the_fingerprint(computed, monkeypatch):
    assert len(computed) == 64 and identity.compute_fingerprint() == computed  # deterministic
    monkeypatch.setattr(Monitoring, "step", lambda self: None)  # one mechanism switched off
    assert identity.compute_fingerprint() != computed


def test_the_fingerprint_is_cached_by_sources_and_libraries(computed, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    assert identity.cached_fingerprint(cache) == computed
    (entry,) = cache.glob("fingerprint-*.json")
    assert json.loads(entry.read_text())["fingerprint"] == computed

    def fail() -> str:
        raise AssertionError("computed again although cached")

    monkeypatch.setattr(identity, "compute_fingerprint", fail)
    assert identity.cached_fingerprint(cache) == computed  # read, not computed
    # another numpy (or any source file) is another key: computed again
    versions = {**identity.library_versions(), "numpy": "0.0"}
    monkeypatch.setattr(identity, "library_versions", lambda: versions)
    with pytest.raises(AssertionError, match="computed again"):
        identity.cached_fingerprint(cache)


def test_a_damaged_or_unwritable_cache_only_costs_the_computation(computed, tmp_path):
    cache = tmp_path / "cache"
    identity.cached_fingerprint(cache)
    (entry,) = cache.glob("fingerprint-*.json")
    entry.write_text('{"key": "')  # damaged
    assert identity.cached_fingerprint(cache) == computed
    assert json.loads(entry.read_text())["fingerprint"] == computed  # and rewritten
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    assert identity.cached_fingerprint(blocked / "cache") == computed
    assert identity.cached_fingerprint(None) == computed


def test_the_cache_location_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(identity.CACHE_ENV, str(tmp_path / "mine"))
    assert identity.cache_dir() == tmp_path / "mine"
    monkeypatch.delenv(identity.CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert identity.cache_dir() == tmp_path / "xdg" / "iei-sim"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert identity.cache_dir() == Path(tmp_path) / ".cache" / "iei-sim"


def test_the_model_identity_is_the_version_and_the_fingerprint(computed):
    assert identity.model_identity() == {
        "iei_sim_version": identity.package_version(),
        "fingerprint": computed,
    }
