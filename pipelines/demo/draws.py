"""Random draws shared by the demo's generators.

Every dataset and institute draws from a stream of its own, seeded from SEED, so that the files depend
on nothing but the code and a change to one generator does not move another's numbers.
bench/group_generator.py draws its larger synthetic groups with `poisson` too."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

from pipelines.demo.register import AS_OF, Institute

SEED = 20241231


def stream(*parts: object) -> random.Random:
    """A random stream of its own for each dataset and institute (string seeds are hashed with
    SHA-512, so they do not depend on PYTHONHASHSEED)."""
    return random.Random(f"{SEED}/" + "/".join(str(p) for p in parts))


def poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def trend(inst: Institute, year: int) -> float:
    return (1 + inst.growth) ** (year - 2015)


def yearly_count(rng: random.Random, mean: float) -> int:
    """A yearly count around mean: Poisson for small means, ±12 % for larger ones (an institute's
    output moves less than a Poisson count would)."""
    if mean < 8:
        return poisson(rng, mean)
    return round(mean * rng.uniform(0.88, 1.12))


def day_in(
    rng: random.Random, year: int, start: tuple[int, int] = (1, 1), end: tuple[int, int] = (12, 31)
) -> date:
    first, last = date(year, *start), min(date(year, *end), AS_OF)
    return first + timedelta(days=rng.randrange((last - first).days + 1))
