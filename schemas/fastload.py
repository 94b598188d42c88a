"""A compiled form of a marshmallow schema's `load`, for bulk input that is mostly valid.

Marshmallow spends most of its time in generic machinery (error stores, getters, hook
look-ups), not in our checks: a three-member household costs about half a millisecond,
which caps a registry import near 2,000 households a second per core. `FastLoader`
walks the schema once and writes its load out as straight-line Python: plain type and
bound tests where marshmallow's own would do exactly that (text, strict integers,
enumerations, lengths, ranges), and calls to the very same field `_deserialize` methods
and validator objects for everything else, so the answer for valid input is the one
`schema.load` gives. A household then loads about ten times faster.

Anything the compiled form is not sure about (a failed check, an unusual type, a
schema feature it does not model) makes it give up and call `schema.load`, so
rejected input always gets marshmallow's own messages, keyed as usual. Schema
features the compiler does not know (pre/post-load hooks, `data_key`, `only`, …)
make it fall back to plain `schema.load` for every call rather than guess.

Every fallback is counted in `loader.fallbacks`, keyed by its reason ("not compiled: …",
"members: not a list", "nik: validate_nik", …): on valid input the count stays at zero,
so a fallback there is a gap in the compiler to see, not a slowdown to hide.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, missing, validate
from marshmallow.decorators import VALIDATES_SCHEMA

from schemas.fields import DATE_SHAPE, Bool, DateString
from schemas.validators import PlainText

Converter = Callable[[Any], Any]


class _Doubt(Exception):
    """The compiled path is not sure; marshmallow decides. Its argument says why."""


class _Unsupported(Exception):
    """The schema uses a feature the compiler does not model."""


class FastLoader:
    """`loader.load(data)` returns what `schema.load(data)` returns, or raises the same error."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.fallbacks: Counter[str] = Counter()
        """How many loads were handed to `schema.load`, by reason."""
        self._unsupported = ""
        try:
            self._compiled: Converter | None = _compile_schema(schema)
        except _Unsupported as exc:
            self._compiled = None
            self._unsupported = f"not compiled: {exc.args[0] if exc.args else 'schema options'}"

    @property
    def compiled(self) -> bool:
        return self._compiled is not None

    def load(self, data: Any) -> Any:
        if self._compiled is None:
            self.fallbacks[self._unsupported] += 1
        else:
            try:
                return self._compiled(data)
            except _Doubt as doubt:
                self.fallbacks[doubt.args[0] if doubt.args else "doubt"] += 1
            except Exception as exc:  # noqa: BLE001 - marshmallow is the reference: it decides
                self.fallbacks[f"error: {type(exc).__name__}"] += 1
        return self.schema.load(data)


def _compile_schema(schema: Schema) -> Converter:
    if schema.many or schema.partial or schema.unknown != RAISE:
        raise _Unsupported
    hooks = schema._hooks  # noqa: SLF001 - marshmallow keeps its hook registry here
    for kind, entries in hooks.items():
        if entries and kind != VALIDATES_SCHEMA:
            raise _Unsupported(kind)
    checks = []
    for attr_name, hook_many, kwargs in hooks.get(VALIDATES_SCHEMA, []):
        if hook_many or kwargs.get("pass_original"):
            raise _Unsupported(attr_name)
        checks.append(getattr(schema, attr_name))

    fields_ = list(schema.load_fields.items())
    for name, field in fields_:
        if field.data_key not in (None, name) or field.attribute not in (None, name):
            raise _Unsupported(name)
    return _generate(schema.__class__.__name__, fields_, checks, schema.unknown)


def _generate(
    title: str, fields_: list[tuple[str, fields.Field]], checks: list[Any], unknown_mode: str
) -> Converter:
    """Write the schema's load out as straight-line Python, one block per field.

    The generic loop over fields cost as much as the checks themselves; unrolled, with the
    commonest field kinds (enumerations, bounded text, bounded integers) tested inline,
    a household loads in about half the time. Everything else calls the field's closure.
    """
    scope: dict[str, Any] = {"_Doubt": _Doubt, "missing": missing, "ValidationError":
                             ValidationError, "known": frozenset(n for n, _ in fields_),
                             "checks": checks, "unknown_mode": unknown_mode}
    lines = [
        "def load(data):",
        "    if type(data) is not dict:",
        f"        raise _Doubt({title + ': not an object'!r})",
        "    if not known.issuperset(data):",
        f"        raise _Doubt({title + ': unknown field'!r})",
        "    out = {}",
    ]
    for index, (name, field) in enumerate(fields_):
        key = repr(name)
        lines.append(f"    value = data.get({key}, missing)")
        lines.append("    if value is missing:")
        if field.required:
            lines.append(f"        raise _Doubt({name + ': missing'!r})")
        elif field.load_default is missing:
            lines.append("        pass")
        else:
            scope[f"default{index}"] = field.load_default
            call = "()" if callable(field.load_default) else ""
            lines.append(f"        out[{key}] = default{index}{call}")
        lines.append("    elif value is None:")
        lines.append(f"        out[{key}] = None" if field.allow_none
                     else f"        raise _Doubt({name + ': null'!r})")
        lines.append("    else:")
        lines += [f"        {line}" for line in _inline(field, name, index, scope)]
    lines += [
        "    for check in checks:",
        "        try:",
        "            check(out, partial=None, many=False, unknown=unknown_mode)",
        "        except ValidationError as exc:",
        f"            raise _Doubt({title + ': schema check'!r}) from exc",
        "    return out",
    ]
    exec(compile("\n".join(lines), f"<fastload {title}>", "exec"), scope)  # noqa: S102
    return scope["load"]


def _inline(field: fields.Field, name: str, index: int, scope: dict[str, Any]) -> list[str]:
    """Statements that set `out[name]` from a non-null `value`, or raise `_Doubt`."""
    if field.pre_load or field.post_load:
        raise _Unsupported(name)
    simple = True
    if type(field)._deserialize is fields.String._deserialize:
        lines = ["if type(value) is not str:", f"    raise _Doubt({name + ': not text'!r})"]
    elif _plain_int(field):
        lines = ["if type(value) is not int:", f"    raise _Doubt({name + ': not an integer'!r})"]
    elif type(field)._deserialize is DateString._deserialize:
        # DateString's own test, inline: text of the shape YYYY-MM-DD that is a real day.
        scope["date_shape"], scope["is_date"] = DATE_SHAPE.fullmatch, date.fromisoformat
        doubt = f"raise _Doubt({name + ': date'!r})"
        lines = ["if type(value) is not str or not date_shape(value):", f"    {doubt}",
                 "try:", "    is_date(value)", "except ValueError:", f"    {doubt}"]
    elif type(field)._deserialize is Bool._deserialize:
        lines = ["if type(value) is not bool:", f"    raise _Doubt({name + ': not true/false'!r})"]
    else:
        simple = False
        scope[f"convert{index}"] = _converter(field, name)
        lines = [f"value = convert{index}(value)"]
    for number, check in enumerate(field.validators):
        tag = f"{index}_{number}"
        if simple and type(check) is validate.OneOf:
            scope[f"choices{tag}"] = frozenset(check.choices)
            lines += [f"if value not in choices{tag}:", f"    raise _Doubt({name + ': choice'!r})"]
        elif simple and type(check) is validate.Length and check.equal is None:
            low = 0 if check.min is None else check.min
            high = "" if check.max is None else f" or len(value) > {check.max}"
            lines += [f"if len(value) < {low}{high}:", f"    raise _Doubt({name + ': length'!r})"]
        elif (simple and type(check) is validate.Range and check.min_inclusive
              and check.max_inclusive):
            scope[f"low{tag}"], scope[f"high{tag}"] = check.min, check.max
            bounds = [f"value < low{tag}" if check.min is not None else "",
                      f"value > high{tag}" if check.max is not None else ""]
            if any(bounds):
                lines += [f"if {' or '.join(b for b in bounds if b)}:",
                          f"    raise _Doubt({name + ': range'!r})"]
        elif simple and type(check) is PlainText:
            scope[f"bad{tag}"] = check.pattern.search
            lines += [f"if bad{tag}(value):", f"    raise _Doubt({name + ': control character'!r})"]
        else:
            scope[f"check{tag}"] = _validator(check, name)
            lines.append(f"check{tag}(value)")
    return [*lines, f"out[{name!r}] = value"]


def _plain_int(field: fields.Field) -> bool:
    """An Integer whose conversion of an `int` is the identity (no subclass overrides)."""
    if not isinstance(field, fields.Integer):
        return False
    kind = type(field)
    return (kind._validated is fields.Integer._validated
            and kind._deserialize is fields.Number._deserialize
            and kind._format_num is fields.Number._format_num)


def _compile_field(field: fields.Field, name: str) -> Converter:
    """One field: null handling, the field's own conversion, then its validators."""
    if field.pre_load or field.post_load:
        raise _Unsupported(name)
    allow_none = field.allow_none
    fused = _fused_text_choice(field, name)
    if fused is not None:
        return fused
    convert = _converter(field, name)
    validators = [_validator(v, name) for v in field.validators]
    null = f"{name}: null"

    def load_field(value: Any) -> Any:
        if value is None:
            if allow_none:
                return None
            raise _Doubt(null)
        result = convert(value)
        for check in validators:
            check(result)
        return result

    return load_field


def _fused_text_choice(field: fields.Field, name: str) -> Converter | None:
    """The commonest field (a plain text enumeration) as a single test: a third of the work."""
    if type(field)._deserialize is not fields.String._deserialize or len(field.validators) != 1:
        return None
    check = field.validators[0]
    if type(check) is not validate.OneOf:
        return None
    choices = frozenset(c for c in check.choices if type(c) is str)
    allow_none = field.allow_none
    reason = f"{name}: choice"

    def load_choice(value: Any) -> Any:
        if type(value) is str and value in choices:
            return value
        if value is None and allow_none:
            return None
        raise _Doubt(reason)

    return load_choice


def _converter(field: fields.Field, name: str) -> Converter:
    kind = type(field)
    if isinstance(field, fields.Nested):
        if field.many or field.only is not None or field.exclude or field.unknown not in (
            None,
            RAISE,
        ):
            raise _Unsupported(name)
        return _compile_schema(field.schema)
    if isinstance(field, fields.List):
        if kind._deserialize is not fields.List._deserialize:
            raise _Unsupported(name)
        inner = _compile_field(field.inner, name)
        not_list = f"{name}: not a list"

        def load_list(value: Any) -> list[Any]:
            if type(value) is not list:
                raise _Doubt(not_list)
            return [inner(item) for item in value]

        return load_list
    if kind._deserialize is fields.String._deserialize:
        not_text = f"{name}: not text"

        def load_text(value: Any) -> str:
            if type(value) is not str:
                raise _Doubt(not_text)
            return value

        return load_text
    if _plain_int(field):
        not_int = f"{name}: not an integer"

        def load_int(value: Any) -> int:
            if type(value) is not int:
                raise _Doubt(not_int)
            return value

        return load_int
    if isinstance(field, fields.Nested | fields.Dict | fields.Mapping | fields.Tuple):
        raise _Unsupported(name)

    refused = f"{name}: {kind.__name__}"

    def load_other(value: Any) -> Any:
        # The field's own conversion (dates, region codes, booleans): exactly marshmallow's.
        try:
            return field._deserialize(value, name, None)  # noqa: SLF001
        except ValidationError as exc:
            raise _Doubt(refused) from exc

    return load_other


def _validator(check: Callable[[Any], Any], name: str) -> Converter:
    """A validator as a cheap check; the common ones are unrolled, the rest called as is."""
    if type(check) is validate.OneOf:
        choices = frozenset(check.choices)
        reason = f"{name}: choice"

        def one_of(value: Any) -> None:
            if type(value) is not str or value not in choices:
                raise _Doubt(reason)

        return one_of
    if type(check) is validate.Length and check.equal is None:
        low, high = check.min, check.max
        reason = f"{name}: length"

        def length(value: Any) -> None:
            size = len(value)
            if (low is not None and size < low) or (high is not None and size > high):
                raise _Doubt(reason)

        return length
    if type(check) is validate.Range and check.min_inclusive and check.max_inclusive:
        low, high = check.min, check.max
        reason = f"{name}: range"

        def in_range(value: Any) -> None:
            if (low is not None and value < low) or (high is not None and value > high):
                raise _Doubt(reason)

        return in_range
    if type(check) is PlainText:
        bad = check.pattern.search
        reason = f"{name}: control character"

        def plain(value: Any) -> None:
            if type(value) is not str or bad(value):
                raise _Doubt(reason)

        return plain
    reason = f"{name}: {getattr(check, '__name__', type(check).__name__)}"

    def call(value: Any) -> None:
        try:
            result = check(value)
        except ValidationError as exc:
            raise _Doubt(reason) from exc
        if result is False and not isinstance(check, validate.Validator):
            raise _Doubt(reason)

    return call
