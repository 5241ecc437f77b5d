"""Typed helpers for declaring Strawberry fields."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import strawberry

R = TypeVar("R", bound=Callable[..., Any])


def resolver(description: str) -> Callable[[R], R]:
    """`@strawberry.field(description=...)` for a resolver method, typed: strawberry types that decorator as
    Any, but strawberry.type leaves the resolver itself on the class, so the method is what it gives."""
    decorate: Callable[[R], R] = strawberry.field(description=description)
    return decorate
