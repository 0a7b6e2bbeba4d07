"""Pagination for lists that grow without end (pushes, audit events, packages).

Counting a million rows on every page view costs more than the page itself, and nobody pages
through 40,000 pages: the count stops at `limit` rows (the list says "10,000+" and asks for
a filter), so the count, and the deepest page it offers, stay cheap however large the
table grows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.core.paginator import Paginator
from django.utils.functional import cached_property

if TYPE_CHECKING:
    from django.db.models import QuerySet

COUNT_LIMIT = 10_000


class BoundedPaginator(Paginator):
    """A Paginator whose count stops at `limit`; `count_is_bounded` says it did."""

    def __init__(self, object_list: Any, per_page: int, *, limit: int = COUNT_LIMIT) -> None:
        super().__init__(object_list, per_page)
        self.limit = limit

    @cached_property
    def _counted(self) -> int:
        # COUNT(*) over the first limit + 1 rows: the database stops reading there. Only the
        # ids, in no order: any index that holds the filter will do, no annotation is computed.
        rows = cast("QuerySet[Any]", self.object_list).order_by().values("pk")[: self.limit + 1]
        return int(rows.count())

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.limit)

    @property
    def count_is_bounded(self) -> bool:
        """True when there are more rows than the count says (shown as "10,000+")."""
        return self._counted > self.limit
