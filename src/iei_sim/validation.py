"""Checks shared by scenario, experiment and game files, and by command-line options.

One module, so that every input is refused in one style: a :class:`Problem` per thing wrong,
naming the file, the dotted field, what is wrong and what is allowed, with a "did you mean"
for a near miss (:func:`did_you_mean`, the one spelling helper). pydantic's errors become
problems in :func:`translate_validation_error`, whichever model was validated (a scenario, an
experiment, a game): it walks that model's schema for the keys allowed beside an unknown one
and for the values a field accepts (bounds in the words of :mod:`iei_sim.scenario.constraints`,
so the messages and the generated field reference agree). The problems travel in one
:class:`~iei_sim.errors.InputError`.

Bounds here keep every input to work that fits the machine: file sizes, names that are safe as
folder names, counts.
"""

from __future__ import annotations

import difflib
import math
import re
import types
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args, get_origin

from iei_sim.errors import InputError

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError

# A scenario, experiment or game file is a few kilobytes; an explicit design of thousands of
# points is a few hundred. Anything much larger is a mistake (or an attack) and is refused
# before it is parsed.
MAX_FILE_BYTES = 1_000_000
# Values a YAML file may stand for once its aliases are expanded (``&a`` / ``*a``): a few
# hundred bytes of nested aliases can stand for billions, and every later step (merging,
# validation) walks the expanded tree.
MAX_YAML_VALUES = 250_000
# Longest name (scenario, experiment, game): it becomes a folder name.
MAX_NAME_LENGTH = 100
# Longest free text (descriptions).
MAX_TEXT_LENGTH = 10_000
# Problems translated into full messages (with did-you-mean and origins) for one refused
# input; the rest are counted. Keeps thousands of unknown keys linear and the output short.
MAX_DETAILED_PROBLEMS = 50


def did_you_mean(word: str, choices: Iterable[str], cutoff: float = 0.5) -> str | None:
    """The closest of ``choices`` to ``word``, if any is close enough: fewest typing edits
    (a swap of two letters counts as one, so ``esat`` is ``east``, not ``west``), then
    difflib's similarity; None when nothing is within about a third of the word (a one-letter
    name is no near miss of another one-letter name)."""
    word = str(word)
    options = [str(c) for c in choices]
    if not options:
        return None
    best = min(options, key=lambda c: (_edits(word, c), -_ratio(word, c)))
    edits = _edits(word, best)
    close = edits <= max(1, len(word) // 3) and edits < min(len(word), len(best))
    return best if close or _ratio(word, best) >= cutoff else None


def suggestion(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices``, or nothing: the one way every
    message offers a correction."""
    hint = did_you_mean(word, choices)
    return f" (did you mean {hint!r}?)" if hint is not None else ""


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def _edits(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps of
    adjacent letters."""
    if abs(len(a) - len(b)) > 10:
        return abs(len(a) - len(b))
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def check_name(value: str) -> str:
    """A name that is safe as one folder name: printable, no path separator, no ``..``, not
    hidden, at most :data:`MAX_NAME_LENGTH` characters. Raises ``ValueError`` otherwise."""
    if not value.strip():
        raise ValueError("must not be empty")
    if len(value) > MAX_NAME_LENGTH:
        raise ValueError(f"is {len(value)} characters long; at most {MAX_NAME_LENGTH}")
    bad = sorted({repr(c) for c in value if not c.isprintable()})
    if bad:
        raise ValueError(f"contains characters that cannot be printed ({', '.join(bad)})")
    if "/" in value or "\\" in value:
        raise ValueError("must not contain / or \\ (it names a folder, not a path)")
    if ".." in value:
        raise ValueError("must not contain '..'")
    if value.startswith(".") or value != value.strip():
        raise ValueError("must not start with '.' or with or end in spaces")
    return value


NAME_RULE = (
    f"printable text of at most {MAX_NAME_LENGTH} characters, without / \\ or '..', "
    "not starting with '.'"
)


def is_finite_number(value: Any) -> bool:
    """A real number (not a boolean) that is neither NaN nor infinite."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return isinstance(value, int) or math.isfinite(value)


# Counts given on the command line are bounded like counts in files: the scenario schema and the
# CLI's options take these same bounds (here, so that the CLI's help need not load the schema).
MAX_STEPS = 200  # years of a run (and of its summary window)
MAX_SEED = 2**32 - 1  # what NumPy's legacy seeding and most tools take
MAX_WORKERS = 512
MAX_AGENTS = 1_000_000  # agents per population of a docking game
MAX_DOCK_REPLICATES = 1_000


def finite_option(value: float | None) -> float | None:
    """A command-line number must be finite (``nan`` passes a plain range check)."""
    if value is not None and not math.isfinite(value):
        import typer

        raise typer.BadParameter(f"must be a finite number, got {value}")
    return value


# ---------------------------------------------------------------------------------------------
# Problems, and pydantic's errors as problems


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: the file (or ``override``, ``--option``, the page) it came
    from, the dotted field, and what is wrong and what is allowed."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        # Always one line, whatever the message: the CLI prints one line per problem.
        return " ".join(f"{self.file}: {self.field}: {self.message}".split())


# The error types pydantic gives a value that should have been a mapping (a model or a dict).
MAPPING_TYPE_ERRORS = ("model_type", "model_attributes_type", "dict_type")

Origins = Mapping[tuple[str, ...], str]


def translate_validation_error(
    exc: ValidationError,
    root: type[BaseModel],
    file: str,
    *,
    origins: Origins | None = None,
    described: Mapping[str, str] | None = None,
    tuple_labels: Sequence[str] = (),
) -> InputError:
    """pydantic's errors about data validated as ``root`` (a scenario, an experiment, a game),
    as one :class:`~iei_sim.errors.InputError` to raise: one :class:`Problem` per error, the
    first :data:`MAX_DETAILED_PROBLEMS` translated (the rest counted, so thousands of unknown
    keys cost linear time), a repeated problem once.

    Each names the file, the dotted field and what is wrong; an unknown key gets a "did you
    mean" and the keys allowed beside it (``allowed here:``), a bad value the value given and
    what the field accepts (``allowed:``), read from ``root``'s schema.

    ``origins`` maps a field path to the file its value came from (a scenario merged from an
    ``extends`` chain; the rest is ``file``); ``described`` gives, by dotted field, the allowed
    values in words where the schema says too little (what a game's ``populations`` hold), for
    that field and everything under it; a tuple field with as many values as ``tuple_labels``
    is described value by value (a scenario's shallow, medium, deep).
    """
    schema = _Schema(root, dict(described or {}), tuple(tuple_labels))
    problems: list[Problem] = []
    errors = exc.errors()
    for err in errors[:MAX_DETAILED_PROBLEMS]:
        problem = schema.problem(err, origins or {}, file)
        if problem not in problems:  # a short list gives one "missing" error per slot
            problems.append(problem)
    return InputError(problems, max(0, len(errors) - MAX_DETAILED_PROBLEMS))


def strip_annotation(annotation: Any) -> tuple[Any, tuple[Any, ...]]:
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


def _is_model(annotation: Any) -> bool:
    from pydantic import BaseModel  # here, not at import: the CLI's help must not load pydantic

    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


@dataclass(frozen=True)
class _Schema:
    """The schema of one root model, walked for error messages."""

    root: type[BaseModel]
    described: dict[str, str]
    tuple_labels: tuple[str, ...]

    def problem(self, err: Any, origins: Origins, default_file: str) -> Problem:
        loc = tuple(str(part) for part in err["loc"])
        kind = err["type"]
        if not loc:
            loc = self.section_named_in(err["msg"])
        tuple_loc = self.tuple_field_loc(loc)
        if tuple_loc is not None:
            return self.tuple_problem(err, loc, tuple_loc, origins, default_file)
        dotted = ".".join(loc) or "<document>"
        file = _origin_of(loc, origins, default_file)
        if kind == "extra_forbidden":
            removed = self.removed_because(loc)
            if removed:
                return Problem(file, dotted, f"this field was removed: {removed}")
            keys = self.allowed_keys(loc[:-1])
            message = f"unknown field{suggestion(loc[-1], keys)}; allowed here: {', '.join(keys)}"
            return Problem(file, dotted, message)
        if kind in MAPPING_TYPE_ERRORS:
            message = "must be a mapping of field: value pairs"
        elif kind == "missing":
            message = "required field missing"
        else:
            message = err["msg"].removeprefix("Value error, ")
        got = err.get("input")
        shows_input = "input" in err and kind != "missing" and not isinstance(got, dict | list)
        if shows_input and "(got " not in message:  # a validator's message may say it already
            message += f" (got {got!r})"
        contributors = _files_under(loc, origins)
        if len(contributors) > 1:
            others = [f for f in contributors if f != file]
            message += f" (merged with values from {', '.join(others)})"
        allowed = self.allowed_values(loc)
        if kind not in MAPPING_TYPE_ERRORS and allowed.startswith("a mapping with keys"):
            # A whole-section check (shares summing to 1): its message says what is needed.
            allowed = ""
        if allowed and allowed not in message:
            message += f"; allowed: {allowed}"
        return Problem(file, dotted, message)

    def tuple_problem(
        self,
        err: Any,
        loc: tuple[str, ...],
        field_loc: tuple[str, ...],
        origins: Origins,
        default_file: str,
    ) -> Problem:
        """One problem per tuple field (depth triples), never per missing slot."""
        target = self.target(field_loc)
        n = len(get_args(strip_annotation(target[0])[0])) if target else 0
        labels = self.labels(n)
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
        allowed = self.allowed_values(field_loc)
        if allowed:
            message += f"; allowed: {allowed}"
        return Problem(_origin_of(field_loc, origins, default_file), ".".join(field_loc), message)

    def section_named_in(self, message: str) -> tuple[str, ...]:
        """Best field for an error about the whole input (``loc == ()``): the one section (a
        mapping of the root) its text names."""
        words = set(re.findall(r"[a-z_]+", message.lower()))
        hits = [
            name
            for name, info in self.root.model_fields.items()
            if _is_section(info.annotation) and (name in words or name.removesuffix("s") in words)
        ]
        return (hits[0],) if len(hits) == 1 else ()

    def target(self, loc: tuple[str, ...]) -> tuple[Any, tuple[Any, ...]] | None:
        """Walk the schema along ``loc``: (annotation, constraint metadata) of what sits there."""
        annotation: Any = self.root
        metadata: tuple[Any, ...] = ()
        for key in loc:
            annotation, _ = strip_annotation(annotation)
            if _is_model(annotation):
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
            elif get_origin(annotation) is list and key.isdigit():
                annotation, metadata = get_args(annotation)[0], ()
            else:
                return None
        annotation, extra = strip_annotation(annotation)
        return annotation, (*metadata, *extra)

    def tuple_field_loc(self, loc: tuple[str, ...]) -> tuple[str, ...] | None:
        """``loc`` of the tuple field that ``loc`` is, or is an element of; else None."""
        candidates = [loc]
        if loc and loc[-1].isdigit():
            candidates.append(loc[:-1])
        for candidate in candidates:
            target = self.target(candidate)
            if target is not None and get_origin(target[0]) is tuple:
                return candidate
        return None

    def labels(self, n: int) -> tuple[str, ...]:
        return self.tuple_labels if len(self.tuple_labels) == n else ()

    def model_at(self, loc: tuple[str, ...]) -> type[BaseModel] | None:
        """The model of the mapping at ``loc`` (of each entry, for a keyed collection)."""
        target = self.target(loc)
        if target is None:
            return None
        annotation = target[0]
        if get_origin(annotation) is dict:
            annotation = strip_annotation(get_args(annotation)[1])[0]
        return annotation if _is_model(annotation) else None

    def allowed_keys(self, loc: tuple[str, ...]) -> list[str]:
        """The keys a mapping at ``loc`` may hold (the fields of its model, or of each entry of
        a keyed collection); none if it is not a model."""
        model = self.model_at(loc)
        return list(model.model_fields) if model is not None else []

    def removed_because(self, loc: tuple[str, ...]) -> str | None:
        """Why the field at ``loc`` was removed, if its model lists it in ``removed_fields``."""
        model = self.model_at(loc[:-1])
        return getattr(model, "removed_fields", {}).get(loc[-1]) if model is not None else None

    def allowed_values(self, loc: tuple[str, ...]) -> str:
        """What the field at ``loc`` accepts, in words: ``described``, else from its type and
        bounds."""
        for length in range(len(loc), 0, -1):
            text = self.described.get(".".join(loc[:length]))
            if text is not None:
                return text
        target = self.target(loc)
        return self.describe(*target) if target else ""

    def describe(self, annotation: Any, metadata: tuple[Any, ...] = ()) -> str:
        annotation, extra = strip_annotation(annotation)
        metadata = (*metadata, *extra)
        origin = get_origin(annotation)
        args = get_args(annotation)
        if origin is tuple:
            inner = _bounds(strip_annotation(args[0])[1]) if args else ""
            labels = self.labels(len(args))
            described = f"a list of {len(args)} numbers{inner}"
            return described + (f" for ({', '.join(labels)})" if labels else "")
        if origin is Literal:
            return "one of " + ", ".join(repr(a) for a in args)
        if origin is dict:
            value = strip_annotation(args[1])[0] if len(args) == 2 else None
            if _is_model(value):
                return f"a mapping of name: settings (keys: {', '.join(value.model_fields)})"
            if value is None:
                return "a mapping"
            return f"a mapping of name: {self.describe(args[1])}"
        if _is_model(annotation):
            return f"a mapping with keys: {', '.join(annotation.model_fields)}"
        if annotation is str:
            return "non-empty text" if _bounds_of(metadata).min_length else "text"
        name = {int: "an integer", float: "a number", bool: "true or false"}.get(annotation, "")
        return f"{name}{_bounds(metadata)}" if name else ""


def _is_section(annotation: Any) -> bool:
    annotation = strip_annotation(annotation)[0]
    return get_origin(annotation) is dict or _is_model(annotation)


def _origin_of(loc: tuple[str, ...], origins: Origins, default: str) -> str:
    for length in range(len(loc), 0, -1):
        if loc[:length] in origins:
            return origins[loc[:length]]
    # An error about a whole section (shares that do not sum to 1) belongs to the most derived
    # file that set any leaf of it: origins list a base file's leaves before its child's.
    under = _files_under(loc, origins)
    return under[-1] if under else default


def _files_under(loc: tuple[str, ...], origins: Origins) -> list[str]:
    """Files that set a leaf strictly inside ``loc``, base first, each once."""
    files: dict[str, None] = {}
    for path, file in origins.items():
        if len(path) > len(loc) and path[: len(loc)] == loc:
            files.pop(file, None)
            files[file] = None
    return list(files)


def _bounds_of(metadata: Any) -> Any:
    # Imported here: ``iei_sim.scenario`` imports this module while it is being imported.
    from iei_sim.scenario.constraints import bounds_of

    return bounds_of(metadata)


def _bounds(metadata: Any) -> str:
    from iei_sim.scenario.constraints import bounds_text

    return bounds_text(_bounds_of(metadata), ascii_only=True)
