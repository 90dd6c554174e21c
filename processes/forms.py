"""Server-side validation of form-js submissions.

The browser checks a form with the form-js viewer, but a submission can come from anywhere (a
tampered page, the REST API, the CLI), so the server checks it again against the same form
definition before the engine sees it. Choices worth knowing:

- Keys the form does not define are rejected, so a client cannot slip variables into a case.
- A field hidden by `conditional.hide` (its own or a group's) is neither required nor kept.
  Only a small FEEL subset is understood (see `processes.forms._Feel`); any other expression
  leaves the field visible, which errs towards asking for data rather than dropping it.
- A readonly or disabled field cannot be changed by the submitter: a value that is empty or
  equal to the case's `current` value is dropped (form-js sends prefilled values back); any
  other value is rejected as read-only. A readonly expression we cannot read counts as editable.
- `pattern` must match the whole value, as in HTML (form-js itself tests for a substring).
- `expression` fields are computed in the browser: their submitted values are dropped.
- Options from `valuesKey`/`valuesExpression` are only known at run time: any text passes.
- Dynamic lists are refused by `form_fields` (and so at deployment): nothing of ours uses them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import InvalidFormData
from .texts import Text

DISPLAY_ONLY = frozenset({"text", "html", "spacer", "separator", "image", "button", "iframe", "table",
                          "documentPreview"})
FIELD_TYPES = frozenset({"textfield", "textarea", "number", "checkbox", "checklist", "radio", "select",
                         "taglist", "datetime", "expression"})
NUMERIC_RULES = ("min", "max", "minLength", "maxLength", "decimalDigits")
MAX_NUMBER = Decimal(2**53)  # beyond this the browser's numbers lose precision
EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                   r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+")
PHONE = re.compile(r"\+?\d{6,17}")  # once spaces, dashes and brackets are gone
TRUE_WORDS, FALSE_WORDS = frozenset({"true", "on", "yes", "1"}), frozenset({"false", "off", "no", "0", ""})
_MISSING: Any = object()
DATE_MESSAGES = {"date": Text("Enter a valid date."), "time": Text("Enter a valid time.")}


@dataclass(frozen=True)
class Field:
    """A component that carries data, with the conditions inherited from its groups."""

    key: str  # dotted data path: a group's `path` and a dotted key both nest the data
    type: str
    label: str
    component: Mapping[str, Any]
    rules: Mapping[str, Any]  # `validate`, without the properties the editor left empty
    options: tuple[Any, ...] | None  # static option values; None when free or dynamic
    hide: tuple[Any, ...] = ()  # conditional.hide of the field and of its enclosing groups
    locked: tuple[Any, ...] = ()  # readonly/disabled flags or expressions, likewise

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.key.split("."))


class _Invalid(ValueError):
    """One value is wrong; the message is shown to the person who filled in the form."""


def form_fields(form: Mapping[str, Any]) -> list[Field]:
    """The fields of a form, groups flattened and display-only components left out.

    Raises ValueError for what the server cannot check (an unknown component type, a bad
    rule), so a deployment can refuse the form instead of every submission failing."""
    return _fields(form.get("components") or [], "", (), ())


def _fields(components: Sequence[Any], prefix: str, hide: tuple[Any, ...], locked: tuple[Any, ...],
            ) -> list[Field]:
    found: list[Field] = []
    for c in components:
        if not isinstance(c, Mapping):
            raise ValueError("a form component is not an object")
        kind, key = c.get("type", ""), c.get("key")
        c_hide = hide + tuple(h for h in [(c.get("conditional") or {}).get("hide")] if h)
        c_locked = locked + tuple(c[k] for k in ("readonly", "disabled") if c.get(k))
        if kind == "group":
            found += _fields(c.get("components") or [], _join(prefix, c.get("path")), c_hide, c_locked)
        elif kind in FIELD_TYPES:
            if not isinstance(key, str) or not key:
                raise ValueError(f"a {kind} component has no key")
            values, dynamic = c.get("values"), {"valuesKey", "valuesExpression"} & set(c)
            options = tuple(map(_value_of, values)) if isinstance(values, list) and not dynamic else None
            found.append(Field(_join(prefix, key), kind, c.get("label") or key, c, _rules(key, c), options,
                               c_hide, c_locked))
        elif kind not in DISPLAY_ONLY:
            raise ValueError(f"form component type {kind!r} is not supported by server-side validation")
    return found


def _value_of(option: Any) -> Any:
    return option.get("value") if isinstance(option, Mapping) else option


def _rules(key: str, c: Mapping[str, Any]) -> dict[str, Any]:
    rules = {k: v for k, v in (c.get("validate") or {}).items() if v is not None and v != ""}
    for name in NUMERIC_RULES:
        value = {**rules, **c}.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ValueError(f"field {key!r}: {name} must be a number, not {value!r}")
    try:
        rules["pattern"] = re.compile(rules["pattern"]) if "pattern" in rules else None
    except (re.error, TypeError) as err:
        raise ValueError(f"field {key!r}: invalid pattern {rules['pattern']!r}: {err}") from err
    return rules


def validate_submission(form: Mapping[str, Any], data: Any, *, current: Mapping[str, Any] | None = None,
                        max_text_length: int = 10000) -> dict[str, Any]:
    """Check a submission against its form: the cleaned data, or InvalidFormData per field.

    `current` is the case data the form was shown with; read-only values equal to it pass."""
    if not isinstance(data, Mapping):
        raise InvalidFormData({"_submission": Text("The submission must be an object of field values.")})
    fields, errors, cleaned = form_fields(form), dict[str, str](), dict[str, Any]()
    _reject_unknown(fields, data, errors)
    for f in fields:
        value = _get(data, f.path)
        if f.type == "expression" or any(_is_true(h, data) for h in f.hide):
            continue
        if any(_is_true(lock, data) for lock in f.locked):
            if not _unchanged(f, value, _get(current or {}, f.path), max_text_length):
                errors[f.key] = Text("This field is read-only.")
            continue
        try:
            result = _clean(f, value, max_text_length)
        except _Invalid as err:
            errors[f.key] = err.args[0]
            continue
        if result is not _MISSING:
            _put(cleaned, f.path, result)
    if errors:
        raise InvalidFormData(errors)
    return cleaned


def _reject_unknown(fields: Sequence[Field], data: Mapping[str, Any], errors: dict[str, str]) -> None:
    known = {f.path for f in fields}
    branches = {f.path[:i] for f in fields for i in range(1, len(f.path))}

    def walk(node: Mapping[str, Any], at: tuple[str, ...]) -> None:
        for key, value in node.items():
            path = (*at, str(key))
            if path in branches and isinstance(value, Mapping):
                walk(value, path)
            elif path in branches:
                errors[".".join(path)] = Text("Expected a group of fields.")
            elif path not in known:
                errors[".".join(path)] = Text("Unknown field.")

    walk(data, ())


def _unchanged(f: Field, value: Any, now: Any, limit: int) -> bool:
    """Whether a read-only value is absent or just the one the form was shown with."""
    if _is_empty(value):
        return True
    if f.type == "checkbox":
        return _as_bool(value) == (now is True)
    try:
        return bool(_clean(f, value, limit) == now)
    except _Invalid:
        return False


def _clean(f: Field, value: Any, limit: int) -> Any:
    required = bool(f.rules.get("required"))
    if f.type == "checkbox":  # unticked is an answer ("no"), and HTML forms leave it out
        ticked = False if _is_empty(value) else _as_bool(value)
        if ticked is None:
            raise _Invalid(Text("Expected true or false."))
        if required and not ticked:
            raise _Invalid(Text("This box must be ticked."))
        return ticked
    if f.type in ("checklist", "taglist") and value == [] and not required:
        # Nothing chosen is an answer too (form-js sends []): a gateway reading the list must find it.
        return []
    if _is_empty(value):
        if required:
            raise _Invalid(Text("This field is required."))
        return _MISSING
    if f.type in ("checklist", "taglist"):
        if not isinstance(value, list | str):
            raise _Invalid(Text("Expected a list of options."))
        chosen = [_option(f, v, limit) for v in ([value] if isinstance(value, str) else value)]
        return list(dict.fromkeys(chosen))
    if f.type in ("radio", "select"):
        return _option(f, value, limit)
    if f.type == "number":
        return _number({**f.rules, "decimalDigits": f.component.get("decimalDigits")}, value)
    text = _string(value, limit).strip()
    if f.type == "datetime":
        subtype = f.component.get("subtype") or "date"
        parse = {"date": date.fromisoformat, "time": time.fromisoformat}.get(subtype, datetime.fromisoformat)
        try:
            parse(text)
        except ValueError:
            raise _Invalid(DATE_MESSAGES.get(subtype) or Text("Enter a valid datetime.")) from None
        return text
    _check_text(f.rules, text)
    return value if f.type == "textarea" else text  # line breaks and indents in long text matter


def _check_text(rules: Mapping[str, Any], text: str) -> None:
    if "minLength" in rules and len(text) < rules["minLength"]:
        raise _Invalid(Text("Enter at least %(n)s characters.", n=rules["minLength"]))
    if "maxLength" in rules and len(text) > rules["maxLength"]:
        raise _Invalid(Text("Enter at most %(n)s characters.", n=rules["maxLength"]))
    if rules.get("pattern") and not rules["pattern"].fullmatch(text):
        raise _Invalid(Text("This value does not have the expected format."))
    kind = rules.get("validationType")
    if kind == "email" and (len(text) > 254 or not EMAIL.fullmatch(text)):
        raise _Invalid(Text("Enter a valid email address."))
    if kind == "phone" and not PHONE.fullmatch(re.sub(r"[\s()\-]", "", text)):
        raise _Invalid(Text("Enter a valid phone number."))


def _number(rules: Mapping[str, Any], value: Any) -> int | float:
    try:
        if isinstance(value, bool) or not isinstance(value, int | float | str) or len(str(value)) > 100:
            raise InvalidOperation
        number = Decimal(value) if isinstance(value, int) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise _Invalid(Text("Enter a number.")) from None
    if not number.is_finite():
        raise _Invalid(Text("Enter a number."))
    if abs(number) > MAX_NUMBER:
        raise _Invalid(Text("This number is too large."))
    if rules.get("min") is not None and number < Decimal(str(rules["min"])):
        raise _Invalid(Text("Enter %(n)s or more.", n=rules["min"]))
    if rules.get("max") is not None and number > Decimal(str(rules["max"])):
        raise _Invalid(Text("Enter %(n)s or less.", n=rules["max"]))
    digits, exponent = rules.get("decimalDigits"), number.normalize().as_tuple().exponent
    if isinstance(digits, int) and isinstance(exponent, int) and -exponent > digits:
        raise _Invalid(Text("Enter a whole number.") if digits == 0 else Text("Use at most %(n)s decimals.", n=digits))
    return int(number) if number == number.to_integral_value() else float(number)


def _option(f: Field, value: Any, limit: int) -> Any:
    if f.options is None:
        return _string(value, limit)
    for option in f.options:  # HTML forms send "3" for an option whose value is 3
        same = value == option and type(value) is type(option)
        if same or (isinstance(value, str) and value == str(option)):
            return option
    raise _Invalid(Text("Choose one of the listed options."))


def _string(value: Any, limit: int) -> str:
    if not isinstance(value, str):
        raise _Invalid(Text("Expected text."))
    if len(value) > limit:
        raise _Invalid(Text("Enter at most %(n)s characters.", n=limit))
    if "\x00" in value:  # PostgreSQL cannot store it, and no person typed it
        raise _Invalid(Text("This value contains characters that are not allowed."))
    return value


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return value.strip().lower() in TRUE_WORDS
    return None


def _is_empty(value: Any) -> bool:
    return value is _MISSING or value is None or value == [] or (isinstance(value, str) and not value.strip())


def _join(prefix: str, key: Any) -> str:
    return f"{prefix}.{key}" if prefix and key else (key or prefix)


def _get(data: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(data, Mapping) or part not in data:
            return _MISSING
        data = data[part]
    return data


def _put(target: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        target = target.setdefault(part, {})
    target[path[-1]] = value


def _is_true(expression: Any, scope: Mapping[str, Any]) -> bool:
    """Whether a flag (`true`) or an expression (`=outcome = "resolved"`) holds for the data."""
    if isinstance(expression, bool) or not isinstance(expression, str):
        return expression is True
    text = expression.strip()
    try:
        return text.startswith("=") and _truth(_Feel(text[1:], scope).parse()) is True
    except _Unsupported:
        return False


class _Unsupported(Exception):
    """The expression uses FEEL beyond the subset below."""


_TOKEN = re.compile(r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>!=|=|\(|\))'
                    r'|(?P<name>[A-Za-z_][\w.]*))')


class _Feel:
    """FEEL for conditions, three-valued like FEEL: names (dotted paths into the data),
    "strings", numbers, true/false/null, `=`, `!=`, `and`, `or`, `not(...)` and parentheses."""

    def __init__(self, text: str, scope: Mapping[str, Any]):
        self.tokens: list[tuple[str, str]] = []
        self.scope, self.pos, at = scope, 0, 0
        while text[at:].strip():
            match = _TOKEN.match(text, at)
            if not match or not match.lastgroup:
                raise _Unsupported(text)
            self.tokens.append((match.lastgroup, match.group(match.lastgroup)))
            at = match.end()

    def parse(self) -> Any:
        value = self._logic("or")
        if self.pos != len(self.tokens):
            raise _Unsupported(self.tokens[self.pos][1])
        return value

    def _peek(self) -> str:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else ""

    def _next(self, expect: str | None = None) -> tuple[str, str]:
        if self.pos >= len(self.tokens) or (expect and self.tokens[self.pos][1] != expect):
            raise _Unsupported(expect)
        self.pos += 1
        return self.tokens[self.pos - 1]

    def _logic(self, word: str) -> Any:
        values = [self._logic("and") if word == "or" else self._compare()]
        while self._peek() == word and self._next():
            values.append(self._logic("and") if word == "or" else self._compare())
        if len(values) == 1:
            return values[0]
        truths = {_truth(v) for v in values}
        decisive = word == "or"  # one true decides an `or`, one false an `and`
        return decisive if decisive in truths else (None if None in truths else not decisive)

    def _compare(self) -> Any:
        left = self._operand()
        if self._peek() not in ("=", "!="):
            return left
        negate, same = self._next()[1] == "!=", _feel_equal(left, self._operand())
        return None if same is None else same != negate

    def _operand(self) -> Any:
        kind, text = self._next()
        if text in ("not", "("):
            inner = self._logic("or") if text == "(" else self._next("(") and _truth(self._logic("or"))
            self._next(")")
            return inner if text == "(" or inner is None else not inner
        if kind == "str":
            return re.sub(r"\\(.)", r"\1", text[1:-1])
        if kind == "num":
            return Decimal(text)
        if kind != "name":
            raise _Unsupported(text)
        if text in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text]
        value = _get(self.scope, tuple(text.split(".")))
        return None if value is _MISSING or value == "" else value


def _truth(value: Any) -> bool | None:
    return value if isinstance(value, bool) else _as_bool(value) if isinstance(value, str) else None


def _feel_equal(left: Any, right: Any) -> bool | None:
    """FEEL equality, lenient about raw form values ("on" for a ticked box, "3" for a number)."""
    if left is None or right is None:
        return left is right
    for a, b in ((left, right), (right, left)):
        if isinstance(a, bool):
            return _as_bool(b) == a
        if isinstance(a, Decimal):
            try:
                return not isinstance(b, bool) and Decimal(str(b)) == a
            except InvalidOperation:
                return False
    return bool(left == right)
