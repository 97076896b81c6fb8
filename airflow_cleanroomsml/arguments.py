"""
Checks of what a DAG file passes, made when the DAG is parsed: bounds of waits and collections of keys.

What a task is given before templates render (how long to wait, which keys to mask or leave out of
XCom) can be wrong in ways no API call would ever reveal: a wait that never ends, a key list
that a string split into characters. These checks refuse such values in the constructor, naming the
argument and the form expected, so the DAG fails to import instead of a task failing (or leaking)
later.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any

from airflow_cleanroomsml.validation import InvalidArgumentError

MAX_WAIT_SECONDS = 366 * 24 * 60 * 60
"""The longest a wait may be planned to take: a year (the longest Clean Rooms ML job runs 28 days)."""
MAX_READS = 1_000_000
"""The most reads a wait may plan."""
ALL_KEYS = "*"
"""``mask_environment_keys="*"``: every key."""


def check_seconds(name: str, value: Any, *, allow_zero: bool = False) -> float:
    """
    Return ``value`` if it is a finite number of seconds > 0 (or >= 0) and at most a year; raise otherwise.

    :param name: The argument's name, for the message.
    :param value: What was given.
    :param allow_zero: Whether 0 is allowed.
    """
    low = ">= 0" if allow_zero else "> 0"
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
        or (value == 0 and not allow_zero)
        or value > MAX_WAIT_SECONDS
    ):
        raise InvalidArgumentError(
            f"{name}={value!r} is not valid; expected a finite number of seconds {low} and at most "
            f"{MAX_WAIT_SECONDS} (a year)."
        )
    return value


def check_wait(delay_name: str, delay: Any, attempts_name: str, attempts: Any) -> None:
    """
    Refuse a wait that cannot be made: a delay that is not a finite number of seconds, or reads that are
    not a whole number, or more reads or time than any wait needs.

    :param delay_name: The name of the argument giving seconds between reads (``waiter_delay``).
    :param delay: Its value.
    :param attempts_name: The name of the argument giving the most reads (``waiter_max_attempts``).
    :param attempts: Its value.
    """
    check_seconds(delay_name, delay)
    if isinstance(attempts, bool) or not isinstance(attempts, int) or not 1 <= attempts <= MAX_READS:
        raise InvalidArgumentError(
            f"{attempts_name}={attempts!r} is not valid; expected a whole number from 1 to {MAX_READS}."
        )
    if delay * attempts > MAX_WAIT_SECONDS:
        raise InvalidArgumentError(
            f"{attempts_name}={attempts!r} with {delay_name}={delay!r} plans a wait of "
            f"{delay * attempts:.0f} seconds; expected at most {MAX_WAIT_SECONDS} (a year)."
        )


def key_collection(name: str, value: Any, *, allow_all: bool = False) -> tuple[str, ...] | str:
    """
    The keys an argument names, as a tuple; a single string is the one key, never its characters.

    :param name: The argument's name, for the message.
    :param value: A string (one key), or a list, tuple or set of strings.
    :param allow_all: Whether ``"*"`` (every key) may be given; it is returned as is.
    :raises InvalidArgumentError: For anything else, naming the argument and the form expected.
    """
    if allow_all and value == ALL_KEYS:
        return ALL_KEYS
    if isinstance(value, str):
        keys: tuple[Any, ...] = (value,)
    elif isinstance(value, Collection) and not isinstance(value, (bytes, dict)):
        keys = tuple(value)
    else:
        keys = (None,)
    if not all(isinstance(key, str) and key for key in keys):
        every = ', or "*" for every key' if allow_all else ""
        raise InvalidArgumentError(
            f"{name}={value!r} is not valid; expected a key as a string, or a list, tuple or set of "
            f"non-empty string keys{every}."
        )
    return keys
