"""The columns of the register's spreadsheets, shared by import and export.

A township office keeps its register in Excel with Chinese headers and Chinese words in the
coded columns (土家族, 户主, 外出务工, A级). This module knows those headers and words: which
header means which field (spacing, full-width characters, a leading `*` or a note in
brackets are forgiven), which words mean which code, and how to write a code back as the
word a person expects to read.
"""

import re
import unicodedata
from dataclasses import dataclass

from gridgov.registry.choices import (
    DisabilityLevel,
    Education,
    Ethnicity,
    HealthInsurance,
    HouseholdType,
    HousingSafety,
    RelationToHead,
    ResidenceStatus,
    Sex,
    Tag,
)


@dataclass(frozen=True)
class Column:
    key: str  # the field it fills (household or resident)
    header: str  # the header written on export and shown in reports
    english: str
    aliases: tuple[str, ...] = ()
    household: bool = False  # a household field: the same for every member


COLUMNS: tuple[Column, ...] = (
    Column("grid", "网格代码", "grid code", ("网格编码", "网格编号", "所属网格代码"), True),
    Column("register_number", "户编号", "household number", ("户号", "户口簿户号", "户编码"), True),
    Column("address", "地址", "address", ("住址", "家庭住址", "居住地址", "现住址"), True),
    Column("house_number", "门牌号", "house number", ("门牌", "门牌号码"), True),
    Column("household_type", "户别", "household type", ("户类型", "户类别", "户籍类型"), True),
    Column("housing_safety", "住房安全等级", "housing safety", ("住房安全", "房屋安全等级"), True),
    Column("name", "姓名", "name", ("名字",)),
    Column(
        "id_number",
        "身份证号码",
        "ID number",
        ("身份证号", "身份证", "公民身份号码", "证件号码", "身份证件号码"),
    ),
    Column("sex", "性别", "sex"),
    Column("birth_date", "出生日期", "birth date", ("出生年月日", "出生年月", "生日")),
    Column("ethnicity", "民族", "ethnicity"),
    Column(
        "phone", "联系电话", "phone", ("电话", "电话号码", "手机", "手机号", "手机号码", "联系方式")
    ),
    Column("relation_to_head", "与户主关系", "relation to head", ("与户主的关系", "户主关系")),
    Column("residence_status", "居住状态", "residence status", ("人口状态", "居住情况")),
    Column("education", "文化程度", "education", ("学历", "受教育程度")),
    Column("health_insurance", "医疗保险", "health insurance", ("医保", "参保情况", "医保类型")),
    Column("disability_level", "残疾等级", "disability level", ("残疾级别",)),
    Column("tags", "人群标签", "population tags", ("标签", "人群类别", "人员类别")),
    Column("notes", "备注", "notes", ("说明",)),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
REQUIRED_KEYS = ("grid", "register_number", "name")
HOUSEHOLD_KEYS = tuple(column.key for column in COLUMNS if column.household)

_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】|〔[^〕]*〕")
_SPACE = re.compile(r"\s+")


def normalise_label(text) -> str:
    """The form every header and coded word is compared in: full-width characters made
    half-width (NFKC), spaces removed, Latin letters upper case."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", str(text))).upper()


def _header_key(text: str) -> str:
    label = normalise_label(text).lstrip("*").rstrip(":")
    return _BRACKETED.sub("", label)


_HEADER_LOOKUP: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.header, *_column.aliases, _column.key):
        _HEADER_LOOKUP[_header_key(_name)] = _column.key


def column_for_header(text) -> str | None:
    """The field a header means, or None: `* 身份证号码（18位）` and `身份证号` are both
    the ID number."""
    if text is None:
        return None
    return _HEADER_LOOKUP.get(_header_key(str(text)))


# --- Coded fields ---------------------------------------------------------------------------


def _table(choices, extra: dict[str, str] | None = None, *, strip: tuple[str, ...] = ()) -> dict:
    """Word → code for a TextChoices: the code itself, the label, the label without its
    bracketed note or a common suffix, and the extra words townships use."""
    table: dict[str, str] = {}
    for value, label in choices.choices:
        words = {value, str(label), _BRACKETED.sub("", normalise_label(label))}
        for suffix in strip:
            words |= {word.removesuffix(suffix) for word in list(words) if word.endswith(suffix)}
        for word in words:
            if word:
                table[normalise_label(word)] = value
    for word, value in (extra or {}).items():
        table[normalise_label(word)] = value
    return table


SEX_WORDS = _table(Sex, {"男性": Sex.MALE, "女性": Sex.FEMALE, "M": Sex.MALE, "F": Sex.FEMALE})
ETHNICITY_WORDS = _table(Ethnicity, strip=("族",))
for _value, _label in Ethnicity.choices:
    # Excel turns the code 06 into the number 6.
    ETHNICITY_WORDS[str(int(_value))] = _value
RELATION_WORDS = _table(
    RelationToHead,
    {
        "本人": RelationToHead.HEAD,
        "户主本人": RelationToHead.HEAD,
        "妻": RelationToHead.SPOUSE,
        "妻子": RelationToHead.SPOUSE,
        "夫": RelationToHead.SPOUSE,
        "丈夫": RelationToHead.SPOUSE,
        "儿子": RelationToHead.SON,
        "长子": RelationToHead.SON,
        "次子": RelationToHead.SON,
        "三子": RelationToHead.SON,
        "独生子": RelationToHead.SON,
        "女儿": RelationToHead.DAUGHTER,
        "长女": RelationToHead.DAUGHTER,
        "次女": RelationToHead.DAUGHTER,
        "三女": RelationToHead.DAUGHTER,
        "独生女": RelationToHead.DAUGHTER,
        "孙子": RelationToHead.GRANDCHILD,
        "孙女": RelationToHead.GRANDCHILD,
        "外孙子": RelationToHead.GRANDCHILD,
        "外孙女": RelationToHead.GRANDCHILD,
        "父亲": RelationToHead.PARENT,
        "母亲": RelationToHead.PARENT,
        "父": RelationToHead.PARENT,
        "母": RelationToHead.PARENT,
        "祖父": RelationToHead.GRANDPARENT,
        "祖母": RelationToHead.GRANDPARENT,
        "兄": RelationToHead.SIBLING,
        "弟": RelationToHead.SIBLING,
        "姐": RelationToHead.SIBLING,
        "妹": RelationToHead.SIBLING,
        "哥哥": RelationToHead.SIBLING,
        "弟弟": RelationToHead.SIBLING,
        "姐姐": RelationToHead.SIBLING,
        "妹妹": RelationToHead.SIBLING,
        "儿媳": RelationToHead.OTHER_RELATIVE,
        "女婿": RelationToHead.OTHER_RELATIVE,
        "侄子": RelationToHead.OTHER_RELATIVE,
        "侄女": RelationToHead.OTHER_RELATIVE,
        "其他": RelationToHead.OTHER_RELATIVE,
    },
)
RESIDENCE_WORDS = _table(
    ResidenceStatus,
    {
        "在家": ResidenceStatus.LIVING_HERE,
        "常住": ResidenceStatus.LIVING_HERE,
        "在家常住": ResidenceStatus.LIVING_HERE,
        "外出": ResidenceStatus.WORKING_AWAY,
        "务工": ResidenceStatus.WORKING_AWAY,
        "外出打工": ResidenceStatus.WORKING_AWAY,
        "迁出": ResidenceStatus.MOVED_OUT,
        "死亡": ResidenceStatus.DECEASED,
        "去世": ResidenceStatus.DECEASED,
        "已死亡": ResidenceStatus.DECEASED,
        "流动": ResidenceStatus.FLOATING,
    },
)
EDUCATION_WORDS = _table(
    Education,
    {
        "文盲": Education.NONE,
        "半文盲": Education.NONE,
        "文盲或半文盲": Education.NONE,
        "学龄前": Education.NONE,
        "中专": Education.VOCATIONAL,
        "职高": Education.VOCATIONAL,
        "技校": Education.VOCATIONAL,
        "专科": Education.COLLEGE,
        "高职": Education.COLLEGE,
        "大学本科": Education.BACHELOR,
        "大学": Education.BACHELOR,
        "硕士": Education.POSTGRADUATE,
        "博士": Education.POSTGRADUATE,
    },
)
INSURANCE_WORDS = _table(
    HealthInsurance,
    {
        "居民医保": HealthInsurance.URBAN_RURAL,
        "城乡居民基本医疗保险": HealthInsurance.URBAN_RURAL,
        "城镇居民医保": HealthInsurance.URBAN_RURAL,
        "新农合": HealthInsurance.URBAN_RURAL,
        "城镇职工医保": HealthInsurance.EMPLOYEE,
        "城镇职工基本医疗保险": HealthInsurance.EMPLOYEE,
        "未参加": HealthInsurance.NONE,
        "无": HealthInsurance.NONE,
        "否": HealthInsurance.NONE,
    },
)
DISABILITY_WORDS = _table(
    DisabilityLevel,
    {
        "1级": DisabilityLevel.LEVEL_1,
        "2级": DisabilityLevel.LEVEL_2,
        "3级": DisabilityLevel.LEVEL_3,
        "4级": DisabilityLevel.LEVEL_4,
        "一": DisabilityLevel.LEVEL_1,
        "二": DisabilityLevel.LEVEL_2,
        "三": DisabilityLevel.LEVEL_3,
        "四": DisabilityLevel.LEVEL_4,
        "否": DisabilityLevel.NONE,
    },
)
HOUSEHOLD_TYPE_WORDS = _table(HouseholdType, strip=("户",))
HOUSING_SAFETY_WORDS = _table(
    HousingSafety,
    {
        "A级": HousingSafety.A,
        "B级": HousingSafety.B,
        "C级": HousingSafety.C,
        "D级": HousingSafety.D,
        "安全": HousingSafety.A,
        "基本安全": HousingSafety.B,
        "局部危险": HousingSafety.C,
        "整体危险": HousingSafety.D,
    },
)
TAG_WORDS = _table(
    Tag,
    {
        "特困": Tag.TEKUN,
        "特困人员": Tag.TEKUN,
        "低保": Tag.DIBAO,
        "低保户": Tag.DIBAO,
        "残疾": Tag.DISABLED,
        "脱贫人口": Tag.POVERTY_EXITED,
        "监测对象": Tag.MONITORED,
        "优抚": Tag.SPECIAL_CARE,
    },
    strip=("人员", "对象", "患者"),
)

CODED_WORDS: dict[str, dict[str, str]] = {
    "sex": SEX_WORDS,
    "ethnicity": ETHNICITY_WORDS,
    "relation_to_head": RELATION_WORDS,
    "residence_status": RESIDENCE_WORDS,
    "education": EDUCATION_WORDS,
    "health_insurance": INSURANCE_WORDS,
    "disability_level": DISABILITY_WORDS,
    "household_type": HOUSEHOLD_TYPE_WORDS,
    "housing_safety": HOUSING_SAFETY_WORDS,
}

# Code → the word written on export (the short label, which an import reads back).
CODED_LABELS: dict[str, dict[str, str]] = {
    "sex": dict(Sex.choices),
    "ethnicity": dict(Ethnicity.choices),
    "relation_to_head": dict(RelationToHead.choices),
    "residence_status": dict(ResidenceStatus.choices),
    "education": dict(Education.choices),
    "health_insurance": dict(HealthInsurance.choices),
    "disability_level": {value: label for value, label in DisabilityLevel.choices if value},
    "household_type": dict(HouseholdType.choices),
    "housing_safety": {value: f"{value}级" for value in HousingSafety.values},
    "tags": dict(Tag.choices),
}

TAG_SEPARATORS = re.compile(r"[,，、;；/|\s]+")


def label_of(key: str, code: str) -> str:
    """The word for a code in an exported file (`15` → 土家族)."""
    if not code:
        return ""
    return str(CODED_LABELS.get(key, {}).get(code, code))
