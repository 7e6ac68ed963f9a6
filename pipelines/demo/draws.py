"""Random draws shared by the demo's generators.

Every dataset and institute draws from a stream of its own, seeded from SEED, so that the files depend
on nothing but the code and a change to one generator does not move another's numbers.
bench/group_generator.py draws its larger synthetic groups with `poisson` too."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

from pipelines.demo.register import AS_OF, Institute
from pipelines.id_numbers import id_check_char

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


def id_numbers(rng: random.Random, n: int, regions: tuple[str, ...] = ("330106",)) -> list[str]:
    """Synthetic resident ID numbers (a district of `regions`, a random birth date in 1965–2000, valid
    check digit), n of them, distinct — they belong to no real person."""
    out: list[str] = []
    while len(out) < n:
        born = date(1965, 1, 1) + timedelta(days=rng.randrange((date(2000, 12, 31) - date(1965, 1, 1)).days))
        region = regions[0] if len(regions) == 1 else rng.choice(regions)
        body = f"{region}{born:%Y%m%d}{rng.randint(1, 999):03d}"
        number = body + id_check_char(body)
        if number not in out:
            out.append(number)
    return out


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余杜叶程魏苏吕丁任沈姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦江薛尹段雷黎史陶贺顾毛郝龚邵钱严赖洪"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红玲燕彬鹏辉斌宇浩凯健俊帆旭宁琳晨博文雪颖倩婷欣悦晓智阳亮晶峰海林波蕾"


def person_name(rng: random.Random) -> str:
    """A made-up Chinese name (surname and one or two given characters)."""
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(1 if rng.random() < 0.3 else 2))
