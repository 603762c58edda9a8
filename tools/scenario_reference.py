"""Markdown field reference generated from the scenario schema.

``python -m tools.scenario_reference > docs/scenario-reference.md`` (the Makefile's ``docs``
target, run from the source checkout) regenerates the committed reference; a test checks that the two agree, so the
documentation cannot drift from the schema. Every section of :class:`Scenario` becomes one
table: field path, type and allowed values (from the field's bounds), default, description.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from iei_sim.scenario.constraints import bounds_of, bounds_text
from iei_sim.scenario.schema import Scenario
from iei_sim.vocabulary import DEPTH_LABELS

REGION_KEY = "<name>"
DEPTHS = DEPTH_LABELS

HEADER = """\
<!-- Generated from src/iei_sim/scenario/schema.py by `python -m tools.scenario_reference`.
     Do not edit by hand: run `make docs` after changing the schema. -->

# Scenario field reference

Every field a scenario file can set, with its type, allowed values, default and meaning.
A scenario is a YAML file; unknown keys are errors, and a file may start from another with
`extends: <path>` (see `iei_sim.scenario.loading`). Paths are dotted: `policy.subsidies.per_intern`
is written in YAML as `policy: {subsidies: {per_intern: ...}}`; `regions.<name>.*` fields belong to
one entry of the `regions` mapping, whose key is the region's name.

Units: money is in 10,000 CNY (per year where a flow is meant); one step is one year.
Depth triples are written as a YAML list of three numbers for (shallow, medium, deep)
partnerships.
"""


@dataclass(frozen=True)
class SectionDoc:
    """One section of the schema: its dotted path, model class and leaf fields."""

    path: str
    model: type[BaseModel]
    fields: list[tuple[str, FieldInfo]]


def iter_sections(model: type[BaseModel] = Scenario, prefix: str = "") -> Iterator[SectionDoc]:
    """Depth-first walk of the schema in declaration order; sections without leaves are skipped.

    An optional section (``PolicySpec | None``) whose model is documented elsewhere in the
    schema is one row pointing there; otherwise its fields are walked like any section.
    """
    documented = _plain_section_models()
    leaves: list[tuple[str, FieldInfo]] = []
    nested: list[tuple[str, type[BaseModel]]] = []
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        section = _section_model(info.annotation)
        optional = _optional_section(info.annotation)
        if section is not None:
            nested.append((path, section))
        elif _dict_of_sections(info.annotation) is not None:
            nested.append((f"{path}.{REGION_KEY}", _dict_of_sections(info.annotation)))
        elif optional is not None and optional not in documented:
            nested.append((path, optional))
        else:
            leaves.append((path, info))
    if leaves:
        yield SectionDoc(prefix.rstrip("."), model, leaves)
    for path, section in nested:
        yield from iter_sections(section, f"{path}.")


def leaf_paths() -> list[str]:
    """Dotted paths of every leaf field, in the order the reference lists them."""
    return [path for section in iter_sections() for path, _ in section.fields]


def render_reference() -> str:
    """The whole reference as Markdown."""
    sections = list(iter_sections())
    out = [HEADER, "## Sections", ""]
    for section in sections:
        heading = _heading(section.path)
        out.append(f"- [{heading}](#{_anchor(heading)}): {_summary(section.model)}")
    out.append("")
    for section in sections:
        out.extend(_render_section(section))
    return "\n".join(out).rstrip("\n") + "\n"


def main() -> None:
    """Write the reference to standard output (as UTF-8, whatever the locale)."""
    sys.stdout.buffer.write(render_reference().encode("utf-8"))
    sys.stdout.flush()


# ---------------------------------------------------------------------------------------------
# Sections


def _render_section(section: SectionDoc) -> list[str]:
    out = [f"## {_heading(section.path)}", "", _docstring(section.model), ""]
    if section.path.endswith(REGION_KEY):
        out += [_default_regions(), ""]
    out += [
        "| field | type / allowed values | default | description |",
        "|---|---|---|---|",
    ]
    for path, info in section.fields:
        cells = (f"`{path}`", _type_text(info), _default_text(info), info.description or "")
        out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    out.append("")
    return out


def _default_regions() -> str:
    info = Scenario.model_fields["regions"]
    regions = info.get_default(call_default_factory=True)
    base = type(next(iter(regions.values())))()
    parts = []
    for name, spec in regions.items():
        changed = [
            f"{field}: {_value_text(getattr(spec, field))}"
            for field in type(spec).model_fields
            if getattr(spec, field) != getattr(base, field)
        ]
        parts.append(f"`{name}` ({', '.join(changed) or 'all defaults'})")
    return (
        "If a scenario names no regions, the default is "
        + " and ".join(parts)
        + ", other fields at the defaults below. A scenario that sets `regions` replaces "
        "this default with its own mapping."
    )


def _summary(model: type[BaseModel]) -> str:
    return _docstring(model).split("\n")[0].rstrip(".")


def _docstring(model: type[BaseModel]) -> str:
    doc = (model.__doc__ or "").strip()
    return " ".join(line.strip() for line in doc.splitlines() if line.strip())


def _heading(path: str) -> str:
    return f"`{path}`" if path else "Top level"


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, spaces to hyphens, other punctuation dropped."""
    return "".join(c for c in heading.lower() if c.isalnum() or c in "_- ").replace(" ", "-")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


# ---------------------------------------------------------------------------------------------
# Types, bounds and defaults


def _section_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _optional_section(annotation: Any) -> type[BaseModel] | None:
    """``X`` for an annotation ``X | None`` where ``X`` is a section."""
    args = get_args(annotation)
    if get_origin(annotation) in (Union, UnionType) and type(None) in args and len(args) == 2:
        return _section_model(next(a for a in args if a is not type(None)))
    return None


def _plain_section_models(
    model: type[BaseModel] = Scenario, prefix: str = "", found: dict | None = None
) -> dict[type[BaseModel], str]:
    """Each section model reachable through non-optional fields, with its first dotted path."""
    found = {} if found is None else found
    for name, info in model.model_fields.items():
        section = _section_model(info.annotation)
        path = f"{prefix}{name}"
        if section is None and _dict_of_sections(info.annotation) is not None:
            section, path = _dict_of_sections(info.annotation), f"{path}.{REGION_KEY}"
        if section is not None and section not in found:
            found[section] = path
            _plain_section_models(section, f"{path}.", found)
    return found


def _dict_of_sections(annotation: Any) -> type[BaseModel] | None:
    if get_origin(annotation) is dict:
        args = get_args(annotation)
        if len(args) == 2:
            return _section_model(args[1])
    return None


def _type_text(info: FieldInfo) -> str:
    annotation = info.annotation
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Literal:
        return "one of " + ", ".join(f"`{a}`" for a in args)
    optional = _optional_section(annotation)
    if optional is not None:
        # Documented once where it is not optional: point there instead of repeating the tree.
        path = _plain_section_models()[optional]
        what = path.rsplit(".", 1)[-1].replace("_", " ")
        return f"a partial {what}; see [`{path}.*`](#{_anchor(_heading(path))}) (or absent)"
    if origin is tuple:
        inner = _scalar_text(_strip_annotated(args[0]), _metadata_of(args[0]))
        if len(args) == len(DEPTHS):
            return f"({', '.join(DEPTHS)}): each {inner}"
        return f"{len(args)} values, each {inner}"
    if origin is dict:
        key, value = args
        return (
            f"mapping {'name' if key is str else _scalar_text(key, ())} → "
            f"{_scalar_text(_strip_annotated(value), _metadata_of(value))}"
        )
    return _scalar_text(annotation, info.metadata)


def _strip_annotated(annotation: Any) -> Any:
    return getattr(annotation, "__origin__", annotation) if _metadata_of(annotation) else annotation


def _metadata_of(annotation: Any) -> tuple[Any, ...]:
    return tuple(getattr(annotation, "__metadata__", ()))


def _scalar_text(annotation: Any, metadata: Any) -> str:
    constraints = bounds_of(metadata)
    if annotation is bool:
        return "boolean"
    if annotation is str:
        text = "text"
        if constraints.min_length:
            n = constraints.min_length
            text += f", at least {n} character{'s' if n != 1 else ''}"
        return text
    name = {int: "integer", float: "number"}.get(annotation, getattr(annotation, "__name__", "?"))
    return name + bounds_text(constraints)


def _default_text(info: FieldInfo) -> str:
    if info.default is PydanticUndefined and info.default_factory is None:
        return "(required)"
    return f"`{_value_text(info.get_default(call_default_factory=True))}`"


def _value_text(value: Any) -> str:
    """A default as it would be written in YAML."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_value_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_value_text(v)}" for k, v in value.items()) + "}"
    return repr(value)


if __name__ == "__main__":
    main()
