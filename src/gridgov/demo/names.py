"""Names and peoples of the demo register: who lives in which county, and what they are called.

Ethnic shares are rounded approximations of the census picture of each county (Tujia
dominate the north — 永顺, 龙山, 保靖, 古丈 — and Miao the south-west — 花垣, 凤凰, 泸溪),
giving about 41 % Tujia, 34 % Miao, 24 % Han and 1 % other peoples over the prefecture.
Surnames are those common in the area for each people; given names follow the fashions of
the decade of birth (建国 and 秀英 for the grandparents, 子涵 and 欣怡 for the children).
"""

import random
from bisect import bisect
from itertools import accumulate

from gridgov.registry.choices import Ethnicity


class Weighted:
    """Items drawn with given weights: `random.choices` without adding up the weights at
    every draw (the demo draws tens of millions of times)."""

    def __init__(self, items, weights):
        self.items = list(items)
        self.cumulative = list(accumulate(weights))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random):
        return self.items[bisect(self.cumulative, rng.random() * self.total)]


TUJIA, MIAO, HAN = Ethnicity.TUJIA.value, Ethnicity.MIAO.value, Ethnicity.HAN.value
OTHER_PEOPLES = [
    Ethnicity.DONG.value,
    Ethnicity.YAO.value,
    Ethnicity.BAI.value,
    Ethnicity.HUI.value,
    Ethnicity.ZHUANG.value,
    Ethnicity.MAN.value,
]

# Per county: (Tujia, Miao, Han) in per cent; what is left up to 100 is other peoples.
COUNTY_PEOPLES = {
    "433101": (38, 38, 23),  # 吉首市
    "433122": (15, 58, 26),  # 泸溪县
    "433123": (15, 60, 24),  # 凤凰县
    "433124": (10, 77, 12),  # 花垣县
    "433125": (50, 35, 14),  # 保靖县
    "433126": (52, 38, 9),  # 古丈县
    "433127": (72, 4, 23),  # 永顺县
    "433130": (56, 5, 38),  # 龙山县
}
DEFAULT_PEOPLES = (41, 34, 24)


def _weighted(text: str) -> Weighted:
    """`彭12 向12 …`: 彭 and 向 with weight 12 each, …"""
    pairs = [(item[0], int(item[1:])) for item in text.split()]
    return Weighted([name for name, _ in pairs], [weight for _, weight in pairs])


SURNAMES = {
    TUJIA: _weighted(
        "彭12 向12 田10 王6 张6 李5 刘5 黄4 唐4 梁4 覃4 鲁3 冉3 杨3 陈3 舒2 符2 汪2 "
        "贾2 胡2 宋2 周2 谭2 瞿1 尚1 姚1 龚1 严1 滕1 曾1"
    ),
    MIAO: _weighted(
        "龙12 石12 吴12 麻8 杨7 田5 滕4 施3 廖3 张3 梁3 欧2 时2 隆2 龚2 侯2 向2 秧1 "
        "金1 彭1 洪1 姚1 唐1 罗1"
    ),
    HAN: _weighted(
        "张8 王8 李8 刘7 陈6 杨5 黄5 唐4 周4 向4 罗3 田3 彭3 谭3 胡3 邓3 朱2 曾2 "
        "舒2 宋2 姚2 肖2 孙1 万1 全1 符1 瞿1"
    ),
}
SURNAMES_OTHER = _weighted("杨4 吴4 龙3 石3 李3 王3 蒙2 粟2 欧2 马1")

# Given names: first and second characters by sex and by the decade of birth. Combining
# them gives thousands of names per generation; one person in ten has a one-character name.
GIVEN_NAMES = {
    # born before 1965
    ("1", 0): (
        "德光昌明宗世正志家永国金清福廷大开先成祖",
        "明华清贵林发文生才富荣章山海元和忠顺喜保",
    ),
    ("2", 0): ("秀桂玉金春翠菊凤兰群冬银美满月腊", "英兰珍花莲香梅芝娥妹秀云仙芳姣凤"),
    # 1965–1984
    ("1", 1): (
        "建国志文光海军红伟勇斌剑华平永学云明小春卫",
        "军华平明林兵强波忠东峰新权清生成杰刚",
    ),
    ("2", 1): ("小红秀春丽玉海艳金晓美燕桂冬", "燕红梅英华丽琴霞萍芳娟玲蓉莉敏"),
    # 1985–2004
    ("1", 2): ("俊浩鹏宇杰磊涛超文志家子佳星金明航", "杰宇鹏涛龙豪辉飞林伟峰斌超强成亮"),
    ("2", 2): ("婷佳雪思小丽晓雨梦欣倩慧春玉", "婷琪丽娟雪霞敏芳颖燕琳倩梅洁"),
    # 2005 and later
    ("1", 3): ("子梓浩宇俊博思锦睿铭一奕家嘉天煜宸泽", "轩豪涵睿宇航辰阳博浩杰瑞铭泽森诚"),
    ("2", 3): ("梓欣诗雨紫思可语佳一子梦晨若", "涵怡萱琪琳彤妍瑶悦欣菲诺雯晴"),
}
GENERATION_STARTS = (1965, 1985, 2005)


def generation(birth_year: int) -> int:
    return sum(birth_year >= start for start in GENERATION_STARTS)


def peoples_of(county_code: str) -> Weighted:
    """The ethnic codes of a county, weighted by their share."""
    tujia, miao, han = COUNTY_PEOPLES.get(county_code[:6], DEFAULT_PEOPLES)
    other = max(0, 100 - tujia - miao - han)
    codes = [TUJIA, MIAO, HAN, *OTHER_PEOPLES]
    weights = [tujia, miao, han, *[other / len(OTHER_PEOPLES)] * len(OTHER_PEOPLES)]
    return Weighted(codes, weights)


def surname(rng: random.Random, ethnicity: str) -> str:
    return SURNAMES.get(ethnicity, SURNAMES_OTHER).pick(rng)


def given_name(rng: random.Random, sex: str, birth_year: int) -> str:
    firsts, seconds = GIVEN_NAMES[(sex, generation(birth_year))]
    if rng.random() < 0.1:
        return rng.choice(seconds)
    first, second = rng.choice(firsts), rng.choice(seconds)
    return first + (second if second != first or rng.random() < 0.3 else rng.choice(seconds))
