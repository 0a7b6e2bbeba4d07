"""Benchmarks: they print figures and assert nothing (``make bench``)."""

from __future__ import annotations
