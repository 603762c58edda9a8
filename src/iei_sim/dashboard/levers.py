"""The dashboard's policy levers: which scenario field each control sets, and its range.

Each lever names a dotted scenario field; its widget type, slider range and starting value are
read from the schema and the loaded scenario, so the page cannot offer a value the schema
forbids on its own and never drifts from the field reference. What the page cannot check alone
(shares that must sum to 1, free-text entries) is left to the scenario validation, whose
problems the page shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from iei_sim.outcomes import MONEY, SHARE, YEARS, Unit
from iei_sim.scenario import Problem, Scenario
from iei_sim.scenario.constraints import Bounds, bounds_of
from iei_sim.scenario.loading import YamlTooLargeError, parse_yaml_text

# Where problems with the free-text entries are reported (the "file" part of a Problem).
PAGE = "dashboard"
SEED = "seed"
OVERRIDES = "overrides"


@dataclass(frozen=True)
class Lever:
    """One control: a model keyword (``name``) that sets the scenario field at ``path``.

    ``step`` is the slider increment; ``cap`` ends the slider of a field without an upper bound
    in the schema (the scenario's own value, if larger, extends it). ``unit`` is one of the
    outcome registry's units (:mod:`iei_sim.outcomes`), so a lever reads as the outcomes do.
    """

    name: str
    path: str
    label: str
    step: float = 0.05
    cap: float | None = None
    unit: Unit | None = None


LEVERS: tuple[Lever, ...] = (
    Lever("tax_deduction", "policy.tax_deduction.enabled", "Tax deduction in force"),
    Lever("tax_deduction_rate", "policy.tax_deduction.rate", "Tax deduction rate", unit=SHARE),
    Lever(
        "certified_only",
        "policy.tax_deduction.certified_only",
        "Deduction for certified firms only",
    ),
    Lever(
        "intern_subsidy",
        "policy.subsidies.per_intern",
        "Subsidy per intern-year",
        0.1,
        5.0,
        unit=MONEY,
    ),
    Lever(
        "deep_project_subsidy",
        "policy.subsidies.per_deep_project",
        "Subsidy per deep project-year",
        0.5,
        20.0,
        unit=MONEY,
    ),
    Lever("risk_rule", "policy.risk_sharing.rule", "Risk-sharing rule"),
    Lever("firm_share", "policy.risk_sharing.firm_share", "Shared loss: firm's share", unit=SHARE),
    Lever(
        "school_share",
        "policy.risk_sharing.school_share",
        "Shared loss: school's share",
        unit=SHARE,
    ),
    Lever(
        "fund_share",
        "policy.risk_sharing.fund_share",
        "Shared loss: risk fund's share",
        unit=SHARE,
    ),
    Lever(
        "insurance_share",
        "policy.risk_sharing.insurance_share",
        "Shared loss: insurers' share",
        unit=SHARE,
    ),
    Lever(
        "fund_budget",
        "policy.risk_sharing.fund_budget",
        "Risk fund budget per region",
        10,
        500,
        unit=MONEY,
    ),
    Lever("monitoring", "policy.monitoring.intensity", "Monitoring intensity", unit=SHARE),
    Lever(
        "education_bonus",
        "policy.monitoring.education_bonus",
        "Bonus per genuine education project",
        0.5,
        10.0,
        unit=MONEY,
    ),
    Lever("platform", "policy.platform.enabled", "Digital matching platform"),
    Lever(
        "contract_support",
        "policy.formal_contract_support",
        "Formal-contract support",
        unit=SHARE,
    ),
    Lever("practical_floor", "policy.practical_share_floor", "Practical-course floor", unit=SHARE),
    Lever("pooled_bases", "associations.pooled_training_bases", "Pooled SME training bases"),
    Lever("years", "steps", "Years to simulate", 1, 50, unit=YEARS),
)
LEVER_BY_NAME = {lever.name: lever for lever in LEVERS}

# The control panel's sections, in the order a lesson usually moves through them (the seeds'
# instruments first: tax deduction, subsidies, risk sharing; then oversight and the rest). One
# section is open at a time, so every control fits a 1280x720 screen; a closed section's header
# still shows its values (:func:`group_summary`).
LEVER_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Tax deduction", ("tax_deduction", "tax_deduction_rate", "certified_only")),
    ("Subsidies", ("intern_subsidy", "deep_project_subsidy")),
    (
        "Risk sharing",
        ("risk_rule", "firm_share", "school_share", "fund_share", "insurance_share", "fund_budget"),
    ),
    ("Monitoring", ("monitoring", "education_bonus")),
    (
        "Platform, contracts, courses",
        ("platform", "contract_support", "practical_floor", "pooled_bases"),
    ),
    ("Run", ("years",)),
)


def shown_value(lever: Lever, value: Any) -> str:
    """A lever's value in plain words, as the status card says it: "on", "40%", "shared",
    "0.5 (10k CNY)", "10 years"."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, str):
        return value.replace("_", " ")
    unit = lever.unit
    if unit is SHARE:
        return f"{value:.0%}"
    if unit is MONEY:  # the label says what it is paid for ("Subsidy per intern-year")
        return f"{value:g} ({unit.name})"
    if unit is not None:
        return f"{value:g} {unit.shown_as}"
    return f"{value:g}"


def readout(lever: Lever, value: Any) -> str:
    """The text beside a control, always visible: a share as "0.40 = 40%" (the slider's number
    and what it means), anything else as :func:`shown_value` says it."""
    if lever.unit is SHARE and not isinstance(value, bool):
        return f"{value:.2f} = {value:.0%}"
    return shown_value(lever, value)


def group_summary(names: tuple[str, ...], values: dict[str, Any]) -> str:
    """One line of a section's values, in plain words ("on · 30% · certified firms only: on")."""
    parts = []
    for name in names:
        lever = LEVER_BY_NAME[name]
        if name in values and values[name] is not None:
            parts.append(f"{_short(lever.label)}: {shown_value(lever, values[name])}")
    return " · ".join(parts)


def _short(label: str) -> str:
    return label.removeprefix("Shared loss: ")


def field_info(path: str) -> FieldInfo:
    """The schema's FieldInfo of a dotted path through nested sections (``policy.platform.enabled``)."""
    section: type[BaseModel] = Scenario
    keys = path.split(".")
    for key in keys[:-1]:
        annotation = section.model_fields[key].annotation
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            raise KeyError(f"{path}: {key} is not a section")
        section = annotation
    return section.model_fields[keys[-1]]


def value_at(scenario: Scenario, path: str) -> Any:
    """The value of a dotted field in a validated scenario."""
    value: Any = scenario
    for key in path.split("."):
        value = getattr(value, key)
    return value


def _slider_range(bounds: Bounds, lever: Lever, current: float) -> tuple[float, float]:
    low = 0.0 if bounds.lo is None else bounds.lo + (lever.step if bounds.lo_open else 0.0)
    high = bounds.hi if bounds.hi is not None else lever.cap
    if high is None:
        raise ValueError(f"lever {lever.name}: {lever.path} has no upper bound; give it a cap")
    if bounds.hi is not None and lever.cap is not None:
        high = min(high, lever.cap)  # a practical end within the schema's range
    if bounds.hi_open:
        high -= lever.step
    return low, max(high, current)


def widget(lever: Lever, scenario: Scenario) -> dict[str, Any]:
    """Mesa ``model_params`` entry for one lever, starting at the scenario's value."""
    info = field_info(lever.path)
    annotation = info.annotation
    current = value_at(scenario, lever.path)
    if annotation is bool:
        return {"type": "Checkbox", "value": bool(current), "label": lever.label}
    if get_origin(annotation) is Literal:
        return {
            "type": "Select",
            "value": current,
            "values": list(get_args(annotation)),
            "label": lever.label,
        }
    if annotation not in (int, float):
        raise TypeError(f"lever {lever.name}: {lever.path} is not a number, switch or choice")
    low, high = _slider_range(bounds_of(info.metadata), lever, current)
    if annotation is int:
        return {
            "type": "SliderInt",
            "value": int(current),
            "min": math.ceil(low),
            "max": int(high),
            "step": max(1, int(lever.step)),
            "label": lever.label,
        }
    return {
        "type": "SliderFloat",
        "value": float(current),
        "min": float(low),
        "max": float(high),
        "step": float(lever.step),
        "label": lever.label,
    }


def model_params(scenario: Scenario, scenario_path: str) -> dict[str, Any]:
    """Everything the page needs to (re)build a DashboardModel: levers, seed and free overrides.

    ``scenario_path`` is a fixed parameter (not a control): Reset rebuilds from the same file.
    """
    params: dict[str, Any] = {"scenario_path": scenario_path}
    params.update({lever.name: widget(lever, scenario) for lever in LEVERS})
    params[SEED] = {"type": "InputText", "value": str(scenario.seed), "label": "Random seed"}
    params[OVERRIDES] = {
        "type": "InputText",
        "value": "",
        "label": "More overrides (dotted.path=value; …)",
    }
    return params


def _round_to_step(value: Any, lever: Lever) -> Any:
    """Slider floats carry binary noise (0.30000000000000004); keep the digits the step has."""
    if isinstance(value, float) and not isinstance(value, bool):
        digits = max(0, -math.floor(math.log10(lever.step))) + 2 if lever.step > 0 else 10
        return round(value, digits)
    return value


def parse_overrides(text: str) -> tuple[dict[str, Any], list[Problem]]:
    """``"a.b=1; c=[1, 2, 3]"`` → ({"a.b": 1, "c": [1, 2, 3]}, problems); values are YAML."""
    overrides: dict[str, Any] = {}
    problems: list[Problem] = []
    for entry in (part.strip() for part in text.replace("\n", ";").split(";")):
        if not entry:
            continue
        path, sep, raw = entry.partition("=")
        path = path.strip()
        if not sep or not path or any(not key for key in path.split(".")):
            problems.append(Problem(PAGE, OVERRIDES, f"expected dotted.path=value, got {entry!r}"))
            continue
        try:
            overrides[path] = parse_yaml_text(raw) if raw.strip() else None
        except (yaml.YAMLError, YamlTooLargeError) as exc:
            message = " ".join(str(exc).split())
            problems.append(Problem(PAGE, f"{OVERRIDES}: {path}", f"not a value: {message}"))
    return overrides, problems


def overrides_for(values: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """Dotted scenario overrides for the controls' values, and problems with the text entries.

    Levers come first; the seed and then the free-text overrides may refine them.
    """
    overrides: dict[str, Any] = {}
    problems: list[Problem] = []
    for name, value in values.items():
        if value is None:  # not given: the scenario file's value stays
            continue
        if name in LEVER_BY_NAME:
            lever = LEVER_BY_NAME[name]
            overrides[lever.path] = _round_to_step(value, lever)
        elif name == SEED:
            text = str(value).strip()
            if text:  # empty: keep the file's seed
                # digits are the seed; anything else goes to the schema, which names the problem
                overrides["seed"] = int(text) if text.isascii() and text.isdigit() else text
        elif name == OVERRIDES:
            extra, bad = parse_overrides(str(value or ""))
            overrides.update(extra)
            problems += bad
        else:
            raise TypeError(f"unknown dashboard parameter {name!r}")
    return overrides, problems
