"""Demo grids: every village and community that has no grid yet gets a few.

A village is usually cut along its villager groups (村民小组), so its grids are named
after them ("十八洞村一组网格"); an urban community numbers its grids ("红星社区第3网格"). Codes are
the village code followed by 001, 002, … Villages that already have grids keep them, so
the generator never renumbers or duplicates anything.
"""

import random
from dataclasses import dataclass

from gridgov.regions.choices import Level

# How many grids a village or a community gets (inclusive ranges, like real ones).
GRIDS_PER_VILLAGE = (2, 8)
GRIDS_PER_COMMUNITY = (3, 10)

_CHINESE_NUMBERS = "一二三四五六七八九十"


@dataclass
class PlannedGrid:
    """A grid to create: its code, name and the code of its village or community."""

    code: str
    name: str
    village_code: str


def chinese_number(number: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十 (enough for villager groups)."""
    if number <= 10:
        return _CHINESE_NUMBERS[number - 1]
    tens, units = divmod(number, 10)
    prefix = "" if tens == 1 else _CHINESE_NUMBERS[tens - 1]
    return prefix + "十" + (_CHINESE_NUMBERS[units - 1] if units else "")


def grid_name(village_name: str, village_level: str, number: int) -> str:
    if village_level == Level.COMMUNITY:
        short = village_name.removesuffix("居委会").removesuffix("居民委员会")
        return f"{short}第{number}网格"
    return f"{village_name}{chinese_number(number)}组网格"


def plan_grids(villages: list[tuple[str, str, str]], *, seed: int) -> list[PlannedGrid]:
    """Grids for `villages`, given as (code, name, level) of villages without any grid.

    The number of grids depends only on the seed and the village's code, so the same
    village always gets the same grids.
    """
    planned = []
    for code, name, level in villages:
        low, high = GRIDS_PER_COMMUNITY if level == Level.COMMUNITY else GRIDS_PER_VILLAGE
        count = random.Random(f"{seed}:{code}").randint(low, high)
        planned += [
            PlannedGrid(
                code=f"{code}{number:03d}",
                name=grid_name(name, level, number),
                village_code=code,
            )
            for number in range(1, count + 1)
        ]
    return planned
