"""Simplified Chinese: counts grouped by thousands with a comma, as the TPNS console shows them.

Django's zh_Hans formats group by ten thousands with no separator, so 20001 and 20,001 would
both appear in a console whose English side reads 20,001.
"""

from __future__ import annotations

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
