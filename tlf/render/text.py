"""Text helpers shared by the renderers: template filling in a sandbox, and RTF escaping.

Titles, column headers and footnotes come from the study's TLF catalogue as jinja2 template
strings (``"Efficacy set (N={{ n }})"``). The catalogue is data from the study folder, never
code, so it is rendered in jinja2's :class:`~jinja2.sandbox.SandboxedEnvironment` (no access
to dunder attributes, to ``format`` on unsafe objects, to the file system or to imports) with
:class:`~jinja2.StrictUndefined` (a variable the data does not supply is an error, never an
empty string). The result is plain text; each renderer escapes it for its own format (RTF
here, HTML by jinja2's autoescape, PDF needs none).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from functools import lru_cache

import jinja2
from jinja2.sandbox import SandboxedEnvironment


class TemplateRenderError(ValueError):
    """A catalogue template that cannot be filled: names the output, the field and the template.

    Parameters
    ----------
    output_id : str
        Output the template belongs to, e.g. ``"T-14.2.1"``.
    field : str
        Where the template sits in the entry, e.g. ``"title[0]"`` or ``"footnotes[2]"``.
    template : str
        The template text as written in the catalogue.
    reason : str
        What went wrong (undefined variable, refused by the sandbox, syntax error).
    """

    def __init__(self, output_id: str, field: str, template: str, reason: str):
        self.output_id = output_id
        self.field = field
        self.template = template
        self.reason = reason
        super().__init__(f"{output_id} {field}: cannot fill template {template!r}: {reason}")


@lru_cache(maxsize=1)
def sandbox_environment() -> SandboxedEnvironment:
    """The jinja2 environment catalogue templates are rendered in.

    Sandboxed, strict about undefined variables, no autoescape (the output is plain text that
    each renderer escapes for its format), no loader (so ``{% include %}`` and ``{% import %}``
    cannot reach files), and ``keep_trailing_newline`` off.
    """
    return SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False, loader=None)


def fill_template(template: str, context: Mapping[str, object], *, output_id: str, field: str) -> str:
    """Fill one catalogue template from ``context`` in the sandbox.

    Parameters
    ----------
    template : str
        jinja2 template text, e.g. ``"Safety set (N={{ n }})"``.
    context : mapping
        Values the template may use (``n``, ``cutoff``, ``study_id``, ...).
    output_id, field : str
        Named in the error if the template cannot be filled.

    Returns
    -------
    str
        The filled text.

    Raises
    ------
    TemplateRenderError
        On a syntax error, an undefined variable, or an operation the sandbox refuses
        (e.g. ``{{ ''.__class__ }}``).

    Examples
    --------
    >>> fill_template("N={{ n }}", {"n": 46}, output_id="T-1", field="title[0]")
    'N=46'
    """
    if "{" not in template:  # plain text: nothing to fill (and no need to parse it)
        return template
    env = sandbox_environment()
    try:
        return env.from_string(template).render(**dict(context))
    except jinja2.exceptions.SecurityError as exc:
        raise TemplateRenderError(output_id, field, template, f"refused by the sandbox: {exc}") from exc
    except jinja2.exceptions.UndefinedError as exc:
        raise TemplateRenderError(output_id, field, template, f"undefined variable: {exc}") from exc
    except jinja2.exceptions.TemplateSyntaxError as exc:
        raise TemplateRenderError(output_id, field, template, f"syntax error: {exc}") from exc
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise TemplateRenderError(output_id, field, template, f"{type(exc).__name__}: {exc}") from exc


def fill_templates(
    templates: Iterable[str], context: Mapping[str, object], *, output_id: str, field: str
) -> tuple[str, ...]:
    """Fill a list of templates; the error names the list item (``field[i]``)."""
    return tuple(
        fill_template(text, context, output_id=output_id, field=f"{field}[{i}]") for i, text in enumerate(templates)
    )


_RTF_SPECIAL = {"\\": "\\\\", "{": "\\{", "}": "\\}", "\n": "\\line ", "\t": "\\tab "}


def rtf_escape(text: str) -> str:
    r"""Escape plain text for an RTF document body, giving pure 7-bit ASCII.

    Rule (RTF 1.9.1 specification, "Conventions of an RTF Reader" and ``\uN``): ``\``, ``{``
    and ``}`` are escaped with a backslash; a newline becomes ``\line`` and a tab ``\tab``;
    every non-ASCII character becomes ``\uN?`` where N is the UTF-16 code unit as a signed
    16-bit integer and ``?`` is the one-byte fallback for readers without Unicode (``\uc1``,
    the default, says one fallback byte follows). Characters outside the Basic Multilingual
    Plane are written as their two UTF-16 surrogates. Other control characters are dropped.

    Examples
    --------
    >>> rtf_escape("≥ 3 {x}")
    '\\u8805? 3 \\{x\\}'
    >>> rtf_escape("µmol/L")
    '\\u181?mol/L'
    """
    return _escape(text, defer_bmp=False)


def rtf_escape_for_rtflite(text: str) -> str:
    r"""Escape text that rtflite will encode, leaving it the characters it encodes correctly.

    rtflite (2.6) does not escape by itself: it passes ``\ { }`` through as RTF syntax, writes
    characters 128-255 (``µ``, ``é``, ``°``) unescaped into a UTF-8 file that RTF readers
    decode as Windows-1252, gets characters beyond U+FFFF wrong, and with its text conversion
    on turns ``_`` and ``^`` into sub/superscript and ``>=`` into a symbol. It does write
    U+0100-U+FFFF correctly as ``\uc1\uN*``. So this escapes everything as
    :func:`rtf_escape` does except U+0100-U+FFFF, which rtflite escapes after measuring the
    text (its pagination measures string widths, and ``≥`` measures as one glyph where
    ``\u8805?`` would measure as seven). The renderers pass the result with text conversion
    off; the file is pure 7-bit ASCII.

    Examples
    --------
    >>> rtf_escape_for_rtflite("≥ 3 µmol/L {x}")
    '≥ 3 \\u181?mol/L \\{x\\}'
    """
    return _escape(text, defer_bmp=True)


def _escape(text: str, *, defer_bmp: bool) -> str:
    out = []
    for char in text:
        code = ord(char)
        if char in _RTF_SPECIAL:
            out.append(_RTF_SPECIAL[char])
        elif 32 <= code < 127:
            out.append(char)
        elif code < 32 or code == 127 or 0xD800 <= code <= 0xDFFF:
            continue
        elif defer_bmp and 256 <= code <= 0xFFFF:
            out.append(char)
        else:
            units = char.encode("utf-16-be")
            for i in range(0, len(units), 2):
                unit = int.from_bytes(units[i : i + 2], "big")
                out.append(f"\\u{unit - 65536 if unit > 32767 else unit}?")
    return "".join(out)


def is_missing(value: object) -> bool:
    """True for None and float NaN (pandas' missing markers in an object column)."""
    return value is None or (isinstance(value, float) and math.isnan(value))
