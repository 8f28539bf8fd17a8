"""Values computed on first access, for frames that only charts and notebooks read.

A batch of 10,000 assessments never draws a fan chart or lists a peer class's windows; building
those frames per target cost more than a target's draws. :class:`Lazy` holds the recipe and
:func:`lazy_attribute` makes an attribute that runs it on first read (then keeps the value), so
``a.fan`` and ``fit.windows`` read as before.

Example:
    >>> class Box:
    ...     pass
    >>> Box.frame = lazy_attribute("frame")
    >>> b = Box()
    >>> b.frame = Lazy(sorted, [3, 1, 2])
    >>> b.frame, b.__dict__["_frame"]
    ([1, 2, 3], [1, 2, 3])
"""
from __future__ import annotations

from typing import Any, Callable


class Lazy:
    """``func(*args)``, evaluated where a lazy attribute holding it is first read."""

    __slots__ = ("func", "args")

    def __init__(self, func: Callable[..., Any], *args: Any):
        self.func, self.args = func, args

    def __call__(self) -> Any:
        return self.func(*self.args)


def lazy_attribute(name: str, doc: str | None = None) -> property:
    """A property over ``__dict__['_' + name]`` that evaluates a :class:`Lazy` value on first read
    (and stores the result in its place). Assigning any other value stores it as is."""
    slot = "_" + name

    def get(self):
        v = self.__dict__.get(slot)
        if type(v) is Lazy:
            v = self.__dict__[slot] = v()
        return v

    def put(self, value):
        self.__dict__[slot] = value

    return property(get, put, doc=doc or f"``{name}`` (computed on first read where it was set lazily)")


def resolved_state(obj: Any) -> dict:
    """``obj.__dict__`` with every :class:`Lazy` value evaluated (for ``__getstate__``: a pickle
    holds the frames, never a recipe pointing at an engine)."""
    return {k: (v() if type(v) is Lazy else v) for k, v in obj.__dict__.items()}
