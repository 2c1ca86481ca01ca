"""Code tables of the register. Where a national standard has a code table, its codes are
used as values so exports upstream (GB/T 31000-2015) need no translation."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class HouseholdType(models.TextChoices):
    REGISTERED = "registered", _("户籍户")
    RESIDENT = "resident", _("常住户")
    FLOATING = "floating", _("流动户")
    COLLECTIVE = "collective", _("集体户")


class HousingSafety(models.TextChoices):
    """Rural housing safety rating: A safe, B basically safe, C partly dangerous, D dangerous."""

    A = "A", _("A级（安全）")
    B = "B", _("B级（基本安全）")
    C = "C", _("C级（局部危险）")
    D = "D", _("D级（整体危险）")


class Sex(models.TextChoices):
    """GB/T 2261.1."""

    MALE = "1", _("男")
    FEMALE = "2", _("女")


class Ethnicity(models.TextChoices):
    """GB/T 3304 numeric codes. 土家族 and 苗族, the prefecture's own peoples, come first."""

    TUJIA = "15", _("土家族")
    MIAO = "06", _("苗族")
    HAN = "01", _("汉族")
    MONGOL = "02", _("蒙古族")
    HUI = "03", _("回族")
    ZANG = "04", _("藏族")
    UYGUR = "05", _("维吾尔族")
    YI = "07", _("彝族")
    ZHUANG = "08", _("壮族")
    BUYEI = "09", _("布依族")
    CHOSEN = "10", _("朝鲜族")
    MAN = "11", _("满族")
    DONG = "12", _("侗族")
    YAO = "13", _("瑶族")
    BAI = "14", _("白族")
    HANI = "16", _("哈尼族")
    KAZAK = "17", _("哈萨克族")
    DAI = "18", _("傣族")
    LI = "19", _("黎族")
    LISU = "20", _("傈僳族")
    VA = "21", _("佤族")
    SHE = "22", _("畲族")
    GAOSHAN = "23", _("高山族")
    LAHU = "24", _("拉祜族")
    SHUI = "25", _("水族")
    DONGXIANG = "26", _("东乡族")
    NAXI = "27", _("纳西族")
    JINGPO = "28", _("景颇族")
    KIRGIZ = "29", _("柯尔克孜族")
    TU = "30", _("土族")
    DAUR = "31", _("达斡尔族")
    MULAO = "32", _("仫佬族")
    QIANG = "33", _("羌族")
    BLANG = "34", _("布朗族")
    SALAR = "35", _("撒拉族")
    MAONAN = "36", _("毛南族")
    GELAO = "37", _("仡佬族")
    XIBE = "38", _("锡伯族")
    ACHANG = "39", _("阿昌族")
    PUMI = "40", _("普米族")
    TAJIK = "41", _("塔吉克族")
    NU = "42", _("怒族")
    UZBEK = "43", _("乌孜别克族")
    RUSS = "44", _("俄罗斯族")
    EWENKI = "45", _("鄂温克族")
    DEANG = "46", _("德昂族")
    BONAN = "47", _("保安族")
    YUGUR = "48", _("裕固族")
    GIN = "49", _("京族")
    TATAR = "50", _("塔塔尔族")
    DERUNG = "51", _("独龙族")
    OROQEN = "52", _("鄂伦春族")
    HEZHEN = "53", _("赫哲族")
    MONBA = "54", _("门巴族")
    LHOBA = "55", _("珞巴族")
    JINO = "56", _("基诺族")


class RelationToHead(models.TextChoices):
    """GB/T 4761 main classes."""

    HEAD = "02", _("户主")
    SPOUSE = "10", _("配偶")
    # "子" and "女" are also words for sex: the context keeps "daughter" from becoming "female".
    SON = "20", pgettext_lazy("relation to head", "子")
    DAUGHTER = "30", pgettext_lazy("relation to head", "女")
    GRANDCHILD = "40", _("孙子女")
    PARENT = "50", _("父母")
    GRANDPARENT = "60", _("祖父母")
    SIBLING = "70", _("兄弟姐妹")
    OTHER_RELATIVE = "80", _("其他亲属")
    NON_RELATIVE = "99", _("非亲属")


class ResidenceStatus(models.TextChoices):
    LIVING_HERE = "living_here", _("在家居住")
    WORKING_AWAY = "working_away", _("外出务工")
    MOVED_OUT = "moved_out", _("已迁出")
    DECEASED = "deceased", _("已故")
    FLOATING = "floating", _("流动人口")


# People who still count as members of the household where they are registered.
PRESENT_STATUSES = (
    ResidenceStatus.LIVING_HERE,
    ResidenceStatus.WORKING_AWAY,
    ResidenceStatus.FLOATING,
)


class Education(models.TextChoices):
    """GB/T 4658 main classes, plus 'none' (未上学) which the standard leaves to 90."""

    NONE = "00", _("未上学")
    PRIMARY = "80", _("小学")
    JUNIOR = "70", _("初中")
    SENIOR = "60", _("高中")
    VOCATIONAL = "40", _("中职")
    COLLEGE = "30", _("大专")
    BACHELOR = "20", _("本科")
    POSTGRADUATE = "10", _("研究生")
    OTHER = "90", _("其他")


class HealthInsurance(models.TextChoices):
    URBAN_RURAL = "urban_rural", _("城乡居民医保")
    EMPLOYEE = "employee", _("职工医保")
    NONE = "none", _("未参保")


class DisabilityLevel(models.TextChoices):
    NONE = "", _("无")
    LEVEL_1 = "1", _("一级")
    LEVEL_2 = "2", _("二级")
    LEVEL_3 = "3", _("三级")
    LEVEL_4 = "4", _("四级")


class PlaceKind(models.TextChoices):
    BUILDING = "building", _("建筑")
    VENUE = "venue", _("场所")
    HAZARD_SITE = "hazard_site", _("隐患点")
    BRIDGE = "bridge", _("桥梁")
    WELL = "well", _("水井")
    WATER_SUPPLY = "water_supply", _("供水设施")
    ROAD = "road", _("道路")
    OTHER = "other", _("其他")


class OrganisationKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    SCHOOL = "school", _("学校")
    CLINIC = "clinic", _("医疗机构")
    SOCIAL_ORGANISATION = "social_organisation", _("社会组织")
    PARTY_BRANCH = "party_branch", _("党组织")
    COOPERATIVE = "cooperative", _("合作社")
    OTHER = "other", _("其他")


class AttentionLevel(models.TextChoices):
    GENERAL = "general", _("一般")
    MEDIUM = "medium", _("中等")
    SERIOUS = "serious", _("严重")


class Tag(models.TextChoices):
    """Population tags: key populations (重点人群) and care groups (关爱人群)."""

    RELEASED_PRISONER = "released_prisoner", _("刑满释放人员")
    COMMUNITY_CORRECTION = "community_correction", _("社区矫正对象")
    SEVERE_MENTAL_DISORDER = "severe_mental_disorder", _("严重精神障碍患者")
    DRUG_USER = "drug_user", _("吸毒人员")
    AIDS_RISK = "aids_risk", _("艾滋病危险性人员")
    KEY_YOUTH = "key_youth", _("重点青少年")
    KEY_PETITIONER = "key_petitioner", _("重点上访人员")
    LEFT_BEHIND_CHILD = "left_behind_child", _("留守儿童")
    LEFT_BEHIND_ELDERLY = "left_behind_elderly", _("留守老人")
    LEFT_BEHIND_WOMAN = "left_behind_woman", _("留守妇女")
    ELDERLY_ALONE = "elderly_alone", _("独居老人")
    EMPTY_NEST = "empty_nest", _("空巢老人")
    DISABLED = "disabled", _("残疾人")
    DIBAO = "dibao", _("低保对象")
    TEKUN = "tekun", _("特困供养人员")
    SPECIAL_CARE = "special_care", _("优抚对象")
    VETERAN = "veteran", _("退役军人")
    POVERTY_EXITED = "poverty_exited", _("脱贫户")
    MONITORED = "monitored", _("监测户")


# Key populations: the tags themselves are sensitive (health, criminal record, drugs,
# petitions) and are masked like ID numbers.
SENSITIVE_TAGS = frozenset(
    {
        Tag.RELEASED_PRISONER,
        Tag.COMMUNITY_CORRECTION,
        Tag.SEVERE_MENTAL_DISORDER,
        Tag.DRUG_USER,
        Tag.AIDS_RISK,
        Tag.KEY_YOUTH,
        Tag.KEY_PETITIONER,
    }
)

# Default visit norm in days per tag (ordinary households: quarterly); editable per tag.
DEFAULT_VISIT_DAYS = {
    Tag.RELEASED_PRISONER: 30,
    Tag.COMMUNITY_CORRECTION: 30,
    Tag.SEVERE_MENTAL_DISORDER: 30,
    Tag.DRUG_USER: 30,
    Tag.AIDS_RISK: 30,
    Tag.KEY_YOUTH: 30,
    Tag.KEY_PETITIONER: 30,
    Tag.LEFT_BEHIND_CHILD: 30,
    Tag.LEFT_BEHIND_ELDERLY: 30,
    Tag.LEFT_BEHIND_WOMAN: 90,
    Tag.ELDERLY_ALONE: 7,
    Tag.EMPTY_NEST: 30,
    Tag.DISABLED: 30,
    Tag.DIBAO: 90,
    Tag.TEKUN: 30,
    Tag.SPECIAL_CARE: 90,
    Tag.VETERAN: 90,
    Tag.POVERTY_EXITED: 90,
    Tag.MONITORED: 30,
}
ORDINARY_VISIT_DAYS = 90


class ExportKind(models.TextChoices):
    RESIDENTS = "residents", _("居民")
    HOUSEHOLDS = "households", _("户")


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("不予批准")
    DOWNLOADED = "downloaded", _("已下载")
