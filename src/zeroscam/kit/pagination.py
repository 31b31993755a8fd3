"""Limit/offset pagination shared by list endpoints."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select

T = TypeVar("T")

MAX_LIMIT = 500


class PageParams(BaseModel):
    limit: int = 100
    offset: int = 0

    def apply(self, stmt: Select) -> Select:
        return stmt.limit(self.limit).offset(self.offset)


def page_params(limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
                offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> PageParams:
    """FastAPI dependency: `?limit=&offset=` with bounds."""
    return PageParams(limit=limit, offset=offset)


class Page(BaseModel, Generic[T]):
    items: list[T]
    limit: int
    offset: int
