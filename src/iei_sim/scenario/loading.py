"""Loading scenario files: YAML, ``extends`` chains, and error messages a researcher can act on.

Every problem becomes one :class:`~iei_sim.validation.Problem` naming the file the offending
value came from, the dotted field path, what is wrong and what is allowed (pydantic's errors are
translated by :func:`~iei_sim.validation.translate_validation_error`, as for experiments and
games). Loading never writes anything.

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
from collections.abc import Iterable
from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from iei_sim.errors import InputError
from iei_sim.scenario.schema import Scenario, deep_merge
from iei_sim.validation import (
    MAX_FILE_BYTES,
    MAX_YAML_VALUES,
    Problem,
    suggestion,
    translate_validation_error,
)
from iei_sim.validation import strip_annotation as _strip
from iei_sim.vocabulary import DEPTH_LABELS

EXTENDS = "extends"
NEW_TAG = "!new"
REPLACE_TAG = "!replace"


# The error of every refused input, under the name it had when only scenarios were checked.
ScenarioError = InputError


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
    """Validate merged scenario data, turning pydantic's errors into
    :class:`~iei_sim.validation.Problem` lines, each naming the file its value came from
    (``origins``; else ``default_file``)."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise translate_validation_error(
            exc, Scenario, default_file, origins=origins, tuple_labels=DEPTH_LABELS
        ) from None


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
                    problems.append(
                        Problem(
                            file,
                            where,
                            f"the base defines no {name!r} here"
                            + suggestion(str(name), map(str, existing))
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
                return Problem(
                    "override",
                    ".".join(keys[: i + 2]),
                    f"the scenario defines no {name!r} here"
                    + suggestion(name, map(str, existing))
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
        raise InputError([Problem(str(path), "<file>", f"is a folder, not a {kind} file")])
    if not path.is_file():
        raise InputError([Problem(str(path), "<file>", "file not found")])
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(
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
        raise InputError(
            [Problem(str(path), "<file>", f"not UTF-8 text (bad byte at offset {exc.start})")]
        ) from None
    except OSError as exc:
        raise InputError(
            [Problem(str(path), "<file>", f"cannot read: {exc.strerror or exc}")]
        ) from None
    if len(raw) > MAX_FILE_BYTES:  # grew while being read
        raise InputError(
            [Problem(str(path), "<file>", f"a {kind} file is at most {MAX_FILE_BYTES / 1e6:g} MB")]
        )
    try:
        data = parse_yaml_text(text)  # a copy: callers merge into and pop from what they get
    except YamlTooLargeError as exc:
        raise InputError(
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
        raise InputError(
            [Problem(str(path), "<yaml>", f"YAML syntax error at {where}: {exc.problem}")]
        ) from None
    except yaml.reader.ReaderError as exc:
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise InputError(
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
        raise InputError([Problem(str(path), "<yaml>", f"YAML error: {message}")]) from None
    allowed = ", ".join(Scenario.model_fields if fields is None else fields)
    if data is None:
        raise InputError(
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
        raise InputError(
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
