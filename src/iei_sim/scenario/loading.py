"""Loading scenario files: YAML, ``extends`` chains, and error messages a researcher can act on.

Every problem becomes one :class:`Problem` naming the file the offending value came from, the
dotted field path, what is wrong and what is allowed. Loading never writes anything.

A file that ``extends`` another changes what the base defines; it cannot add an entry to a
keyed collection (a region, a sector share) by accident. A key the base does not define is
refused with a "did you mean", unless it is marked as new and given whole::

    regions:
      north: !new {kind: lagging, schools: 5, firms: 60, ...}   # every field of a region
      east: {schools: 12}                                       # changes the base's east

and a collection marked ``!replace`` is the complete set, replacing the base's instead of
merging into it (``regions: !replace {...}``). Dotted overrides (``--set``, experiment
``overrides`` and factors, the dashboard) change existing entries only.

Reading is bounded: files over :data:`~iei_sim.validation.MAX_FILE_BYTES`, YAML whose aliases
expand to more than :data:`~iei_sim.validation.MAX_YAML_VALUES` values, recursive aliases and
empty files are refused before anything else looks at them.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import re
import types
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from iei_sim.errors import BadInputError
from iei_sim.scenario.constraints import bounds_of, bounds_text
from iei_sim.scenario.schema import Scenario, deep_merge
from iei_sim.validation import (
    MAX_DETAILED_PROBLEMS,
    MAX_FILE_BYTES,
    MAX_YAML_VALUES,
    did_you_mean,
)
from iei_sim.vocabulary import DEPTH_LABELS

EXTENDS = "extends"
NEW_TAG = "!new"
REPLACE_TAG = "!replace"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario file."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        # Always one line, whatever the message: the CLI prints one line per problem.
        return " ".join(f"{self.file}: {self.field}: {self.message}".split())


class ScenarioError(BadInputError):
    """A scenario (or experiment, game, option) was refused; ``problems`` lists every reason
    (the first :data:`~iei_sim.validation.MAX_DETAILED_PROBLEMS` in detail; ``omitted`` counts
    the rest)."""

    def __init__(self, problems: list[Problem], omitted: int = 0):
        self.problems = problems
        self.omitted = omitted
        more = f"\n… and {omitted} more problem(s)" if omitted else ""
        super().__init__("\n".join(str(p) for p in problems) + more)


class NewEntry(dict):
    """A mapping marked ``!new`` in a file that extends another: an entry its base does not
    define, given with every one of its settings."""


class CompleteMapping(dict):
    """A mapping marked ``!replace``: the complete collection, replacing the base's."""

    replaces_base = True  # read by schema.deep_merge


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read, merge (``extends``) and validate a scenario file.

    ``overrides`` are dotted-path assignments (``{"policy.subsidies.per_intern": 2.0}``) applied
    after merging and validated like file content; they change existing entries of keyed
    collections only (``regions.esat.schools`` is refused with a "did you mean east").
    """
    path = Path(path)
    data, origins, problems = _read_with_extends(path, chain=())
    overrides = overrides or {}
    for dotted, value in overrides.items():
        keys = dotted.split(".")
        problem = _override_problem(data, keys)
        if problem is not None:
            problems.append(problem)
            continue
        _set_dotted(data, keys, value)
    if not problems:
        try:
            return Scenario.model_validate(data)
        except ValidationError:
            pass  # only now work out which value came from where, for the error message
    for dotted in overrides:
        key = tuple(dotted.split("."))
        origins = {k: v for k, v in origins.items() if k[: len(key)] != key}
        origins[key] = "override"
    try:
        scenario = validate_scenario(data, origins=origins, default_file=str(path))
    except ScenarioError as exc:
        raise ScenarioError(problems + exc.problems, exc.omitted) from None
    if problems:
        raise ScenarioError(problems)
    return scenario


def validate_scenario(
    data: dict[str, Any],
    origins: dict[tuple[str, ...], str] | None = None,
    default_file: str = "<scenario>",
) -> Scenario:
    """Validate merged scenario data, turning pydantic's errors into :class:`Problem` lines
    (the first :data:`~iei_sim.validation.MAX_DETAILED_PROBLEMS` of them; the rest counted, so
    thousands of unknown keys cost linear time)."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems: list[Problem] = []
        errors = exc.errors()
        for err in errors[:MAX_DETAILED_PROBLEMS]:
            problem = _problem_from_error(err, origins or {}, default_file)
            if problem not in problems:  # a short list gives one "missing" error per slot
                problems.append(problem)
        raise ScenarioError(problems, max(0, len(errors) - MAX_DETAILED_PROBLEMS)) from None


def scenario_hash(scenario: Scenario) -> str:
    """Stable hash of every resolved parameter (name and description included)."""
    return dump_hash(scenario.model_dump(mode="json"))


def dump_hash(dump: dict[str, Any]) -> str:
    """:func:`scenario_hash` of a scenario's ``model_dump(mode="json")`` (saves a second dump)."""
    canonical = json.dumps(dump, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def scenario_to_yaml(scenario: Scenario) -> str:
    """Every parameter actually used, defaults filled in, in schema order."""
    return yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


# ---------------------------------------------------------------------------------------------
# Reading and merging


def _read_with_extends(
    path: Path, chain: tuple[Path, ...]
) -> tuple[dict[str, Any], dict[tuple[str, ...], str], list[Problem]]:
    resolved = path.resolve()
    if resolved in chain:
        cycle = " -> ".join(str(p) for p in (*chain, resolved))
        raise ScenarioError([Problem(str(path), EXTENDS, f"extends cycle: {cycle}")])
    data = _read_yaml(path)
    base_ref = data.pop(EXTENDS, None)
    own_origins = {leaf: str(path) for leaf in _leaf_paths(data)}
    if base_ref is None:
        return data, own_origins, _misplaced_new_entries(data, Scenario, (), str(path))
    if not isinstance(base_ref, str) or not base_ref:
        raise ScenarioError([Problem(str(path), EXTENDS, "must be a path to a scenario file")])
    base_path = path.parent / base_ref
    if base_path.is_dir():
        raise ScenarioError(
            [Problem(str(path), EXTENDS, f"is a folder, not a scenario file: {base_path}")]
        )
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
    base, origins, problems = _read_with_extends(base_path, (*chain, resolved))
    problems = problems + _new_key_problems(data, base, Scenario, (), str(path))
    merged = deep_merge(base, data)
    # A mapping replaced by a non-mapping takes the whole subtree with it.
    for leaf in own_origins:
        origins = {k: v for k, v in origins.items() if k[: len(leaf)] != leaf}
    origins.update(own_origins)
    return merged, origins, problems


# -- keyed collections: what a file that extends another may add --------------------------------

_MISSING = object()


def _plain(value: Any) -> Any:
    """A schema default as plain data (models dumped), to compare keys against."""
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _field_default(model: type[BaseModel], key: str) -> Any:
    return _plain(model.model_fields[key].get_default(call_default_factory=True))


def _item_model(annotation: Any) -> type[BaseModel] | None:
    """The model of a keyed collection's entries (``RegionSpec`` of ``regions``), if any."""
    item = _strip(get_args(annotation)[1])[0] if len(get_args(annotation)) == 2 else None
    return item if isinstance(item, type) and issubclass(item, BaseModel) else None


def _new_key_problems(
    child: Any, base: Any, model: type[BaseModel] | None, prefix: tuple[str, ...], file: str
) -> list[Problem]:
    """Keys of keyed collections in ``child`` that ``base`` does not define (and are not
    marked ``!new``), ``!new`` entries that the base defines or that are incomplete, and empty
    collections that would change nothing."""
    problems: list[Problem] = []
    if model is None or not isinstance(child, dict):
        return problems
    for key, value in child.items():
        info = model.model_fields.get(str(key))
        if info is None:
            continue  # an unknown field: validation names it
        annotation = _strip(info.annotation)[0]
        base_value = base.get(key, _MISSING) if isinstance(base, dict) else _MISSING
        if base_value is _MISSING or base_value is None:
            base_value = _field_default(model, str(key))
        loc = (*prefix, str(key))
        replaced = getattr(value, "replaces_base", False)
        if get_origin(annotation) is dict:
            if not isinstance(value, dict) or replaced:
                continue
            existing = base_value if isinstance(base_value, dict) else {}
            if not value:
                problems.append(
                    Problem(
                        file,
                        ".".join(loc),
                        "an empty mapping changes nothing here (the base's entries "
                        f"{', '.join(map(str, existing)) or '(none)'} stay); to give the "
                        f"complete set instead, write `{key}: {REPLACE_TAG} {{...}}`",
                    )
                )
                continue
            items = _item_model(annotation)
            for name, entry in value.items():
                where = ".".join((*loc, str(name)))
                if isinstance(entry, NewEntry):
                    if name in existing:
                        problems.append(
                            Problem(
                                file,
                                where,
                                f"is marked {NEW_TAG} but the base already defines it; drop "
                                f"{NEW_TAG} to change the base's {name!r}",
                            )
                        )
                    else:
                        problems += _incomplete_entry(entry, items, where, file)
                    continue
                if name not in existing:
                    hint = did_you_mean(str(name), map(str, existing))
                    problems.append(
                        Problem(
                            file,
                            where,
                            f"the base defines no {name!r} here"
                            + (f" (did you mean {hint!r}?)" if hint else "")
                            + f"; it defines: {', '.join(map(str, existing)) or '(none)'}. To "
                            f"add one, write `{name}: {NEW_TAG} {{...}}` with all its settings; "
                            f"to replace the whole set, `{key}: {REPLACE_TAG} {{...}}`",
                        )
                    )
                    continue
                problems += _new_key_problems(entry, existing[name], items, (*loc, str(name)), file)
        elif _is_model(annotation) and isinstance(value, dict) and not replaced:
            problems += _new_key_problems(value, base_value, annotation, loc, file)
    return problems


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _incomplete_entry(
    entry: dict[str, Any], model: type[BaseModel] | None, where: str, file: str
) -> list[Problem]:
    """A ``!new`` entry must give every setting its kind has (optional ones excepted), so that
    nothing of it comes silently from defaults."""
    if model is None:
        return []
    needed = [
        name
        for name, info in model.model_fields.items()
        if info.get_default(call_default_factory=True) is not None and name not in entry
    ]
    if not needed:
        return []
    return [
        Problem(
            file,
            where,
            f"is new ({NEW_TAG}): give all its settings, so that none comes silently from "
            f"defaults; missing: {', '.join(needed)}",
        )
    ]


def _misplaced_new_entries(
    data: Any, model: type[BaseModel] | None, prefix: tuple[str, ...], file: str
) -> list[Problem]:
    """In a file without ``extends``, every entry is new: ``!new`` is allowed (and checked for
    completeness) but not needed."""
    problems: list[Problem] = []
    if model is None or not isinstance(data, dict):
        return problems
    for key, value in data.items():
        info = model.model_fields.get(str(key))
        if info is None or not isinstance(value, dict):
            continue
        annotation = _strip(info.annotation)[0]
        loc = (*prefix, str(key))
        if get_origin(annotation) is dict:
            items = _item_model(annotation)
            for name, entry in value.items():
                if isinstance(entry, NewEntry):
                    problems += _incomplete_entry(entry, items, ".".join((*loc, str(name))), file)
                problems += _misplaced_new_entries(entry, items, (*loc, str(name)), file)
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            problems += _misplaced_new_entries(value, annotation, loc, file)
    return problems


def _override_problem(data: dict[str, Any], keys: list[str]) -> Problem | None:
    """A dotted override that would add an entry to a keyed collection (a typo in a region or
    sector name), as a problem with a "did you mean"; None when the path is fine (unknown
    fields are left to validation, which names them)."""
    model: type[BaseModel] | None = Scenario
    node: Any = data
    i = 0
    while i < len(keys) and model is not None:
        key = keys[i]
        info = model.model_fields.get(key)
        if info is None:
            return None
        annotation = _strip(info.annotation)[0]
        child = node.get(key) if isinstance(node, dict) else None
        if child is None:
            child = _field_default(model, key)
        if get_origin(annotation) is dict:
            if i + 1 >= len(keys):
                return None  # the whole collection is set: validation checks it
            existing = child if isinstance(child, dict) else {}
            name = keys[i + 1]
            if name not in existing:
                hint = did_you_mean(name, map(str, existing))
                return Problem(
                    "override",
                    ".".join(keys[: i + 2]),
                    f"the scenario defines no {name!r} here"
                    + (f" (did you mean {hint!r}?)" if hint else "")
                    + f"; it defines: {', '.join(map(str, existing)) or '(none)'}; an override "
                    "changes existing entries only",
                )
            model, node, i = _item_model(annotation), existing[name], i + 2
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model, node, i = annotation, child, i + 1
        else:
            return None
    return None


# -- YAML --------------------------------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe YAML loader that rejects a key given twice in one mapping (PyYAML keeps the last),
    knows the ``!new`` and ``!replace`` marks, and reads ``1e9`` and ``1.0e9`` as numbers (YAML
    1.2; PyYAML's YAML 1.1 reads them as text)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:  # unhashable key: let PyYAML report it
                continue
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {key!r} appears twice in the same mapping",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _marked(cls: type[dict]) -> Any:
    def construct(loader: _UniqueKeyLoader, node: yaml.Node) -> dict[Any, Any]:
        if not isinstance(node, yaml.MappingNode):
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"{node.tag} marks a mapping ({{...}}), not a single value",
                node.start_mark,
            )
        return cls(loader.construct_mapping(node, deep=True))

    return construct


_UniqueKeyLoader.add_constructor(NEW_TAG, _marked(NewEntry))
_UniqueKeyLoader.add_constructor(REPLACE_TAG, _marked(CompleteMapping))
_UniqueKeyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)


class YamlTooLargeError(ValueError):
    """YAML that stands for more values than any input of iei-sim needs (an alias bomb)."""


def _expanded_size(root: yaml.Node) -> int:
    """How many values the document stands for once aliases are expanded, counted over the
    composed node graph (shared nodes are counted once per use, computed once: linear time);
    recursive aliases are refused."""
    sizes: dict[int, int] = {}
    in_progress: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in in_progress:
            raise YamlTooLargeError("an alias refers to the mapping or list that contains it")
        in_progress.add(key)
        if isinstance(node, yaml.MappingNode):
            total = 1 + sum(size(k) + size(v) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total = 1 + sum(size(v) for v in node.value)
        else:
            total = 1
        in_progress.discard(key)
        sizes[key] = min(total, MAX_YAML_VALUES + 1)  # enough to know it is too many
        return sizes[key]

    return size(root)


def parse_yaml_text(text: str) -> Any:
    """Parse YAML with iei-sim's loader and bounds (aliases expanded to at most
    :data:`~iei_sim.validation.MAX_YAML_VALUES` values); raises ``yaml.YAMLError`` or
    :class:`YamlTooLargeError`."""
    return copy.deepcopy(_parse_yaml(text))


def read_yaml_file(
    path: str | Path, kind: str = "scenario", fields: Iterable[str] | None = None
) -> dict[str, Any]:
    """Read one YAML mapping with the scenario loader's checks and error messages (size,
    duplicate keys, syntax errors with line and column, empty, not a mapping); experiment and
    game files use it too, naming their own ``kind`` and top-level ``fields``."""
    return _read_yaml(Path(path), kind, fields)


def _read_yaml(
    path: Path, kind: str = "scenario", fields: Iterable[str] | None = None
) -> dict[str, Any]:
    if path.is_dir():
        raise ScenarioError([Problem(str(path), "<file>", f"is a folder, not a {kind} file")])
    if not path.is_file():
        raise ScenarioError([Problem(str(path), "<file>", "file not found")])
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError(
                [
                    Problem(
                        str(path),
                        "<file>",
                        f"is {size / 1e6:.1f} MB; a {kind} file is at most "
                        f"{MAX_FILE_BYTES / 1e6:g} MB",
                    )
                ]
            )
        raw = path.read_bytes()[: MAX_FILE_BYTES + 1]
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            [Problem(str(path), "<file>", f"not UTF-8 text (bad byte at offset {exc.start})")]
        ) from None
    except OSError as exc:
        raise ScenarioError(
            [Problem(str(path), "<file>", f"cannot read: {exc.strerror or exc}")]
        ) from None
    if len(raw) > MAX_FILE_BYTES:  # grew while being read
        raise ScenarioError(
            [Problem(str(path), "<file>", f"a {kind} file is at most {MAX_FILE_BYTES / 1e6:g} MB")]
        )
    try:
        data = parse_yaml_text(text)  # a copy: callers merge into and pop from what they get
    except YamlTooLargeError as exc:
        raise ScenarioError(
            [
                Problem(
                    str(path),
                    "<yaml>",
                    f"refused: {exc} (aliases `&name` / `*name` may repeat a value, but the "
                    f"file may stand for at most {MAX_YAML_VALUES:,} values)",
                )
            ]
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        raise ScenarioError(
            [Problem(str(path), "<yaml>", f"YAML syntax error at {where}: {exc.problem}")]
        ) from None
    except yaml.reader.ReaderError as exc:
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise ScenarioError(
            [
                Problem(
                    str(path),
                    "<yaml>",
                    f"YAML error: character #x{char:04x} at offset {exc.position}: {exc.reason}",
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        message = " ".join(str(exc).split())
        raise ScenarioError([Problem(str(path), "<yaml>", f"YAML error: {message}")]) from None
    allowed = ", ".join(Scenario.model_fields if fields is None else fields)
    if data is None:
        raise ScenarioError(
            [
                Problem(
                    str(path),
                    "<file>",
                    f"is empty (or only comments): a {kind} file needs at least one field; "
                    f"allowed top-level fields: {allowed}",
                )
            ]
        )
    if not isinstance(data, dict):
        raise ScenarioError(
            [
                Problem(
                    str(path),
                    "<document>",
                    "must be a mapping of field: value pairs "
                    f"(got {_kind_of(data)}); allowed top-level fields: {allowed}",
                )
            ]
        )
    return data


@functools.lru_cache(maxsize=32)
def _parse_yaml(text: str) -> Any:
    """Parse YAML text, remembering recent texts: a sensitivity plan resolves the same file for
    thousands of points, and parsing it each time cost more than validating the points.

    The document is composed first and its expanded size counted on the node graph, before any
    value is built: an alias bomb is refused in microseconds."""
    loader = _UniqueKeyLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node) > MAX_YAML_VALUES:
            raise YamlTooLargeError(f"its aliases expand to more than {MAX_YAML_VALUES:,} values")
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _kind_of(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    return type(value).__name__


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

MAPPING_TYPE_ERRORS = ("model_type", "model_attributes_type", "dict_type")


def _problem_from_error(
    err: dict[str, Any], origins: dict[tuple[str, ...], str], default_file: str
) -> Problem:
    loc = tuple(str(part) for part in err["loc"])
    kind = err["type"]
    if not loc:
        loc = _section_named_in(err["msg"])
    tuple_loc = _tuple_field_loc(loc)
    if tuple_loc is not None:
        return _tuple_problem(err, loc, tuple_loc, origins, default_file)
    dotted = ".".join(loc) or "<document>"
    file = _origin_of(loc, origins, default_file)
    if kind == "extra_forbidden":
        allowed_keys = _allowed_keys(loc[:-1])
        hint = did_you_mean(loc[-1], allowed_keys)
        message = "unknown field"
        if hint:
            message += f" (did you mean '{hint}'?)"
        message += f"; allowed here: {', '.join(allowed_keys)}"
        return Problem(file, dotted, message)
    if kind in MAPPING_TYPE_ERRORS:
        message = "must be a mapping of field: value pairs"
    else:
        message = err["msg"].removeprefix("Value error, ")
    if "input" in err and kind != "missing" and not isinstance(err["input"], dict | list):
        message += f" (got {err['input']!r})"
    contributors = _files_under(loc, origins)
    if len(contributors) > 1:
        others = [f for f in contributors if f != file]
        message += f" (merged with values from {', '.join(others)})"
    allowed = _allowed_values(loc)
    if kind not in MAPPING_TYPE_ERRORS and allowed.startswith("a mapping with keys"):
        # A whole-section check (shares summing to 1): its message already says what is needed.
        allowed = ""
    if allowed and allowed not in message:
        message += f"; allowed: {allowed}"
    return Problem(file, dotted, message)


def _tuple_problem(
    err: dict[str, Any],
    loc: tuple[str, ...],
    field_loc: tuple[str, ...],
    origins: dict[tuple[str, ...], str],
    default_file: str,
) -> Problem:
    """One problem per tuple field (depth triples), never per missing slot."""
    target = _target_at(field_loc)
    n = len(get_args(_strip(target[0])[0])) if target else 0
    labels = _tuple_labels(n)
    need = f"needs {n} values" + (f" ({', '.join(labels)})" if labels else "")
    kind = err["type"]
    got = err.get("input")
    if kind in ("missing", "too_long", "too_short") and isinstance(got, list | tuple):
        message = f"{need}, got {len(got)}: {list(got)!r}"
    elif kind in ("tuple_type", "list_type"):
        message = f"must be a list; {need} (got {got!r})"
    else:
        message = err["msg"].removeprefix("Value error, ")
        if len(loc) > len(field_loc):  # one element is wrong: say which
            index = int(loc[len(field_loc)])
            which = labels[index] if index < len(labels) else f"number {index + 1}"
            message = f"{which} value: {message}"
        if not isinstance(got, dict | list):
            message += f" (got {got!r})"
    allowed = _allowed_values(field_loc)
    if allowed:
        message += f"; allowed: {allowed}"
    return Problem(_origin_of(field_loc, origins, default_file), ".".join(field_loc), message)


def _origin_of(loc: tuple[str, ...], origins: dict[tuple[str, ...], str], default: str) -> str:
    for length in range(len(loc), 0, -1):
        if loc[:length] in origins:
            return origins[loc[:length]]
    # An error about a whole section (shares that do not sum to 1) belongs to the most derived
    # file that set any leaf of it: origins list a base file's leaves before its child's.
    under = _files_under(loc, origins)
    return under[-1] if under else default


def _files_under(loc: tuple[str, ...], origins: dict[tuple[str, ...], str]) -> list[str]:
    """Files that set a leaf strictly inside ``loc``, base first, each once."""
    files: dict[str, None] = {}
    for path, file in origins.items():
        if len(path) > len(loc) and path[: len(loc)] == loc:
            files.pop(file, None)
            files[file] = None
    return list(files)


def _section_named_in(message: str) -> tuple[str, ...]:
    """Best field for a whole-scenario error (``loc == ()``): the one section its text names."""
    words = set(re.findall(r"[a-z_]+", message.lower()))
    hits = [
        name
        for name, info in Scenario.model_fields.items()
        if _is_section(info.annotation) and (name in words or name.removesuffix("s") in words)
    ]
    return (hits[0],) if len(hits) == 1 else ()


def _is_section(annotation: Any) -> bool:
    annotation = _strip(annotation)[0]
    return get_origin(annotation) is dict or (
        isinstance(annotation, type) and issubclass(annotation, BaseModel)
    )


def _strip(annotation: Any) -> tuple[Any, tuple[Any, ...]]:
    """Split ``Annotated[T, ...]`` into (T, metadata); an optional ``T | None`` becomes T."""
    metadata: tuple[Any, ...] = ()
    while True:
        if get_origin(annotation) is Annotated:
            metadata = (*metadata, *annotation.__metadata__)
            annotation = get_args(annotation)[0]
        elif isinstance(annotation, types.UnionType) and type(None) in get_args(annotation):
            annotation = next(a for a in get_args(annotation) if a is not type(None))
        else:
            return annotation, metadata


def _target_at(loc: tuple[str, ...]) -> tuple[Any, tuple[Any, ...]] | None:
    """Walk the schema along ``loc``: (annotation, constraint metadata) of what sits there."""
    annotation: Any = Scenario
    metadata: tuple[Any, ...] = ()
    for key in loc:
        annotation, extra = _strip(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            info = annotation.model_fields.get(key)
            if info is None:
                return None
            annotation, metadata = info.annotation, tuple(info.metadata)
        elif get_origin(annotation) is dict:
            annotation, metadata = get_args(annotation)[1], ()
        elif get_origin(annotation) is tuple and key.isdigit():
            args = get_args(annotation)
            if not args:
                return None
            annotation, metadata = args[min(int(key), len(args) - 1)], ()
        else:
            return None
    annotation, extra = _strip(annotation)
    return annotation, (*metadata, *extra)


def _tuple_field_loc(loc: tuple[str, ...]) -> tuple[str, ...] | None:
    """``loc`` of the tuple field that ``loc`` is, or is an element of; else None."""
    candidates = [loc]
    if loc and loc[-1].isdigit():
        candidates.append(loc[:-1])
    for candidate in candidates:
        target = _target_at(candidate)
        if target is not None and get_origin(target[0]) is tuple:
            return candidate
    return None


def _tuple_labels(n: int) -> tuple[str, ...]:
    return DEPTH_LABELS if len(DEPTH_LABELS) == n else ()


def _allowed_keys(loc: tuple[str, ...]) -> list[str]:
    target = _target_at(loc)
    if target is None:
        return []
    annotation = target[0]
    if get_origin(annotation) is dict:
        annotation = _strip(get_args(annotation)[1])[0]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _allowed_values(loc: tuple[str, ...]) -> str:
    """Human description of what the field at ``loc`` accepts, from its type and bounds."""
    target = _target_at(loc)
    return _describe(*target) if target else ""


def _describe(annotation: Any, metadata: tuple[Any, ...] = ()) -> str:
    annotation, extra = _strip(annotation)
    metadata = (*metadata, *extra)
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is tuple:
        inner = _bounds(_strip(args[0])[1]) if args else ""
        labels = _tuple_labels(len(args))
        described = f"a list of {len(args)} numbers{inner}"
        return described + (f" for ({', '.join(labels)})" if labels else "")
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin is dict:
        value = _strip(args[1])[0] if len(args) == 2 else None
        if isinstance(value, type) and issubclass(value, BaseModel):
            return f"a mapping of name: settings (keys: {', '.join(value.model_fields)})"
        return f"a mapping of name: {_describe(args[1])}" if value is not None else "a mapping"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"a mapping with keys: {', '.join(annotation.model_fields)}"
    if annotation is str:
        min_len = _min_length(metadata)
        return "non-empty text" if min_len else "text"
    name = {int: "an integer", float: "a number", bool: "true or false"}.get(annotation, "")
    return f"{name}{_bounds(metadata)}" if name else ""


def _min_length(metadata: Any) -> int:
    return bounds_of(metadata).min_length


def _bounds(metadata: Any) -> str:
    return bounds_text(bounds_of(metadata), ascii_only=True)
