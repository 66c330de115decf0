"""95% intervals for the survey KPIs, so a CCO can tell a real move from noise."""

from __future__ import annotations

import math

Z95 = 1.959963984540054


def wilson_interval(successes: float, n: float, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval for a proportion (CSAT: satisfied responses of n)."""
    if not n or n <= 0:
        return None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def nps_interval(
    n: float, p_promoter: float, p_detractor: float, z: float = Z95
) -> tuple[float, float] | None:
    """Normal approximation: NPS = 100 (p+ − p−), se = 100 sqrt((p+ + p− − (p+ − p−)²) / n)."""
    if not n or n <= 0:
        return None
    nps = 100 * (p_promoter - p_detractor)
    variance = max(0.0, p_promoter + p_detractor - (p_promoter - p_detractor) ** 2)
    se = 100 * math.sqrt(variance / n)
    return max(-100.0, nps - z * se), min(100.0, nps + z * se)


def nps_interval_from_net(net: float, n: float, z: float = Z95) -> tuple[float, float] | None:
    """The NPS interval when only promoters − detractors and n are known (the published table).

    p+ + p− is then unknown; it is at most 1, which gives the widest interval the data allows
    (the formula above with p+ + p− = 1): conservative, never narrower than the exact one.
    """
    if not n or n <= 0:
        return None
    d = net / n
    return nps_interval(n, (1 + d) / 2, (1 - d) / 2, z)
