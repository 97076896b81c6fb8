"""
Values a shape of the service model accepts, made from its constraints alone.

The emulator uses them for the members the service makes up in its answers (an IAM role, a
digest, a status detail...); tests use them to build requests valid at every depth.
"""

from __future__ import annotations

import functools
import re
import re._parser as sre  # the regex parser of Python's own re module
from typing import Any

_CHARACTERS = "ab01AB_-./: "
_CATEGORIES = {
    sre.CATEGORY_DIGIT: r"\d",
    sre.CATEGORY_NOT_DIGIT: r"\D",
    sre.CATEGORY_SPACE: r"\s",
    sre.CATEGORY_NOT_SPACE: r"\S",
    sre.CATEGORY_WORD: r"\w",
    sre.CATEGORY_NOT_WORD: r"\W",
}


def _in_class(items: list[Any], character: str) -> bool:
    negate = bool(items) and items[0][0] is sre.NEGATE
    matched = False
    for op, value in items[1:] if negate else items:
        if op is sre.LITERAL:
            matched |= ord(character) == value
        elif op is sre.RANGE:
            matched |= value[0] <= ord(character) <= value[1]
        elif op is sre.CATEGORY:
            matched |= re.fullmatch(_CATEGORIES[value], character) is not None
    return matched != negate


def _generate(parsed: Any, repeat: int) -> str:
    out = []
    for op, value in parsed:
        if op is sre.LITERAL:
            out.append(chr(value))
        elif op is sre.ANY:
            out.append("a")
        elif op is sre.IN:
            out.append(next((c for c in _CHARACTERS if _in_class(value, c)), "a"))
        elif op is sre.CATEGORY:
            out.append(next(c for c in _CHARACTERS if re.fullmatch(_CATEGORIES[value], c)))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            low, high, sub = value
            out.extend(_generate(sub, repeat) for _ in range(max(low, min(high, repeat - 1))))
        elif op is sre.SUBPATTERN:
            out.append(_generate(value[-1], repeat))
        elif op is sre.BRANCH:
            out.append(_generate(value[1][0], repeat))
    return "".join(out)


@functools.cache
def string_for(pattern: str | None, low: int = 0, high: int | None = None) -> str:
    """
    A short string of ``low`` to ``high`` characters that matches ``pattern`` whole.

    :raises ValueError: When none is found (a pattern beyond what this generator reads).
    """
    for repeat in (1, 2, 3, 5, 9, 17, 33, 65):
        text = _generate(sre.parse(pattern), repeat) if pattern else "a" * max(low, 1)
        fits = low <= len(text) and (high is None or len(text) <= high)
        if fits and (pattern is None or re.fullmatch(pattern, text)):
            return text
    raise ValueError(f"No string of {low} to {high} characters matches {pattern!r}")
