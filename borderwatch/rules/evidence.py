"""What several sensors' class reports say together: the probability of a person or a vehicle.

Each report carries class likelihoods (person, vehicle, animal, unknown). Taken as independent
looks at one thing, with no class favoured before the first (the tracker's flat prior), their
product, normalised, is the posterior; a trigger and what confirms it, or a crossing group's
several triggers at one spot, alert only when it reaches `[rules.classes] threat_min`, the bar
every track must pass too. A far camera's "person" (a few pixels: barely better than a coin)
does not make a jackal's trigger an intruder; the fibre saying "person" twice at one spot does.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["Likelihood", "threat_probability"]

Likelihood = tuple[float, float, float, float]  # person, vehicle, animal, unknown


def threat_probability(reports: Iterable[Likelihood]) -> float:
    """P(person or vehicle) from independent reports, flat prior; 0.5 with none (no evidence
    either way: person-or-vehicle is two of the four classes)."""
    p = v = a = u = 0.25
    for lp, lv, la, lu in reports:
        p, v, a, u = p * lp, v * lv, a * la, u * lu
        s = p + v + a + u
        if s <= 0.0:  # every class ruled out: say nothing rather than divide by zero
            return 0.0
        p, v, a, u = p / s, v / s, a / s, u / s  # kept normalised: many reports never underflow
    return p + v
