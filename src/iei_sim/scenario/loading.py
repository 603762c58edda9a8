"""Loading scenario files: YAML, ``extends`` chains, and error messages a researcher can act on.

Every problem becomes one :class:`Problem` naming the file the offending value came from, the
dotted field path, what is wrong and what is allowed. Loading never writes anything.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_origin

import annotated_types
import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from iei_sim.scenario.schema import Scenario

EXTENDS = "extends"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario file."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


class ScenarioError(Exception):
    """A scenario could not be loaded; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read, merge (``extends``) and validate a scenario file.

    ``overrides`` are dotted-path assignments (``{"policy.subsidies.per_intern": 2.0}``) applied
    after merging and validated like file content.
    """
    path = Path(path)
    data, origins = _read_with_extends(path, chain=())
    for dotted, value in (overrides or {}).items():
        _set_dotted(data, dotted.split("."), value)
        origins[tuple(dotted.split("."))] = "override"
    return validate_scenario(data, origins=origins, default_file=str(path))


def validate_scenario(
    data: dict[str, Any],
    origins: dict[tuple[str, ...], str] | None = None,
    default_file: str = "<scenario>",
) -> Scenario:
    """Validate merged scenario data, turning pydantic's errors into :class:`Problem` lines."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = [_problem_from_error(err, origins or {}, default_file) for err in exc.errors()]
        raise ScenarioError(problems) from None


def scenario_hash(scenario: Scenario) -> str:
    """Stable hash of every resolved parameter (name and description included)."""
    canonical = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def scenario_to_yaml(scenario: Scenario) -> str:
    """Every parameter actually used, defaults filled in, in schema order."""
    return yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


# ---------------------------------------------------------------------------------------------
# Reading and merging


def _read_with_extends(
    path: Path, chain: tuple[Path, ...]
) -> tuple[dict[str, Any], dict[tuple[str, ...], str]]:
    resolved = path.resolve()
    if resolved in chain:
        cycle = " -> ".join(str(p) for p in (*chain, resolved))
        raise ScenarioError([Problem(str(path), EXTENDS, f"extends cycle: {cycle}")])
    data = _read_yaml(path)
    base_ref = data.pop(EXTENDS, None)
    own_origins = {leaf: str(path) for leaf in _leaf_paths(data)}
    if base_ref is None:
        return data, own_origins
    if not isinstance(base_ref, str):
        raise ScenarioError([Problem(str(path), EXTENDS, "must be a path to a scenario file")])
    base_path = path.parent / base_ref
    if not base_path.is_file():
        raise ScenarioError(
            [
                Problem(
                    str(path),
                    EXTENDS,
                    f"file not found: {base_path} (paths are relative to this file)",
                )
            ]
        )
    base, origins = _read_with_extends(base_path, (*chain, resolved))
    merged = _deep_merge(base, data)
    # A mapping replaced by a non-mapping takes the whole subtree with it.
    for leaf in own_origins:
        origins = {k: v for k, v in origins.items() if k[: len(leaf)] != leaf}
    origins.update(own_origins)
    return merged, origins


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ScenarioError([Problem(str(path), "<file>", "file not found")])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        raise ScenarioError(
            [Problem(str(path), "<yaml>", f"YAML syntax error at {where}: {exc.problem}")]
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(str(path), "<yaml>", f"YAML error: {exc}")]) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ScenarioError(
            [Problem(str(path), "<document>", "must be a mapping of field: value pairs")]
        )
    return data


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _leaf_paths(data: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if isinstance(data, dict) and data:
        return [p for k, v in data.items() for p in _leaf_paths(v, (*prefix, str(k)))]
    return [prefix]


def _set_dotted(data: dict[str, Any], keys: list[str], value: Any) -> None:
    node = data
    for key in keys[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    node[keys[-1]] = value


# ---------------------------------------------------------------------------------------------
# Error messages


def _problem_from_error(
    err: dict[str, Any], origins: dict[tuple[str, ...], str], default_file: str
) -> Problem:
    loc = tuple(str(part) for part in err["loc"])
    dotted = ".".join(loc) or "<document>"
    file = _origin_of(loc, origins, default_file)
    kind = err["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        hint = difflib.get_close_matches(loc[-1], allowed, n=1, cutoff=0.5)
        message = "unknown field"
        if hint:
            message += f"; did you mean '{hint[0]}'?"
        message += f" Allowed here: {', '.join(allowed)}"
        return Problem(file, dotted, message)
    message = err["msg"].removeprefix("Value error, ")
    if "input" in err and kind not in ("missing",) and not isinstance(err["input"], dict | list):
        message += f" (got {err['input']!r})"
    allowed = _allowed_values(loc)
    if allowed and allowed not in message:
        message += f"; allowed: {allowed}"
    return Problem(file, dotted, message)


def _origin_of(loc: tuple[str, ...], origins: dict[tuple[str, ...], str], default: str) -> str:
    for length in range(len(loc), 0, -1):
        if loc[:length] in origins:
            return origins[loc[:length]]
    # An error about a whole section belongs to the file that set any leaf of it.
    for path, file in origins.items():
        if path[: len(loc)] == loc:
            return file
    return default


def _field_at(loc: tuple[str, ...]) -> tuple[type[BaseModel] | None, FieldInfo | None]:
    """Walk the schema along ``loc``; return (model class holding the last key, its FieldInfo)."""
    model: Any = Scenario
    info: FieldInfo | None = None
    holder: type[BaseModel] | None = None
    i = 0
    while i < len(loc):
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None, None
        info = model.model_fields.get(loc[i])
        if info is None:
            return model, None
        holder = model
        annotation = info.annotation
        i += 1
        if get_origin(annotation) is dict and i < len(loc):
            annotation = get_args(annotation)[1]
            i += 1  # skip the dict key
        model = annotation
    return holder, info


def _allowed_keys(loc: tuple[str, ...]) -> list[str]:
    if not loc:
        return list(Scenario.model_fields)
    _, info = _field_at(loc)
    if info is None:
        return []
    annotation = info.annotation
    if get_origin(annotation) is dict:
        annotation = get_args(annotation)[1]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _allowed_values(loc: tuple[str, ...]) -> str:
    """Human description of what a leaf field accepts, from its type and bounds."""
    # Tuple elements (depth triples) report on the tuple field itself.
    while loc and loc[-1].isdigit():
        loc = loc[:-1]
    _, info = _field_at(loc)
    if info is None:
        return ""
    bounds = _bounds(info.metadata)
    annotation = info.annotation
    args = get_args(annotation)
    if get_origin(annotation) is tuple:
        inner = _bounds(getattr(args[0], "__metadata__", ()) if args else ())
        return f"a list of {len(args)} numbers{inner}"
    if str(get_origin(annotation)) == "typing.Literal":
        return "one of " + ", ".join(repr(a) for a in args)
    if get_origin(annotation) is dict:
        value = args[1] if len(args) == 2 else None
        inner = _bounds(getattr(value, "__metadata__", ()))
        return f"a mapping of name: number{inner}"
    name = {int: "an integer", float: "a number", bool: "true or false", str: "text"}.get(
        annotation, ""
    )
    return f"{name}{bounds}" if name else ""


def _bounds(metadata: Any) -> str:
    lo = hi = None
    lo_open = hi_open = False
    for item in metadata:
        item_meta = item.metadata if isinstance(item, FieldInfo) else [item]
        for m in item_meta:
            if isinstance(m, annotated_types.Ge):
                lo = m.ge
            elif isinstance(m, annotated_types.Gt):
                lo, lo_open = m.gt, True
            elif isinstance(m, annotated_types.Le):
                hi = m.le
            elif isinstance(m, annotated_types.Lt):
                hi, hi_open = m.lt, True
    if lo is None and hi is None:
        return ""
    if hi is None:
        return f" {'>' if lo_open else '>='} {lo:g}"
    if lo is None:
        return f" {'<' if hi_open else '<='} {hi:g}"
    return f" in {'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"
