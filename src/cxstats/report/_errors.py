"""The renderer's error (a light module: notebooks import ``cxstats.report.cautions``)."""

from __future__ import annotations

from .._errors import CxStatsError

__all__ = ["RenderError"]


class RenderError(CxStatsError):
    """A notebook failed to execute or to render."""
