"""The departments that lead and co-operate in the programme city (内江 511000) as of 2026-12, seeded by
migration 0006: those the seeds name as 责任单位 / 牵头 (人社, 财政, 发改, 农业农村, 自然资源, 市场监管,
人民银行, 税务, 商务, 乡村振兴, 工商联, 经信 …) and, in each county, the government and its 人社局.

Never edit a released row: the administrator keeps the list from then on (/admin/departments).
"""

from services.consultation.domain.departments import Department

CITY = "511000"
COUNTIES = {"511002": ("内江市市中区", "市中区"), "511011": ("内江市东兴区", "东兴区"), "511024": ("威远县", "威远县"),
            "511025": ("资中县", "资中县"), "511083": ("隆昌市", "隆昌市")}


def _city(slug: str, name: str, short_name: str, *aliases: str) -> Department:
    return Department(code=f"{CITY}-{slug}", name=name, short_name=short_name, level="city", region_code=CITY,
                      aliases=aliases)


CITY_DEPARTMENTS = (
    _city("hrss", "内江市人力资源和社会保障局", "市人社局", "市人力资源和社会保障局", "内江市人社局"),
    _city("employment", "内江市就业创业促进中心", "市就业创业促进中心"),
    _city("migrant", "内江市农民工服务中心", "市农民工服务中心"),
    _city("finance", "内江市财政局", "市财政局"),
    _city("ndrc", "内江市发展和改革委员会", "市发展改革委", "市发改委", "市发展和改革委员会"),
    _city("econ", "内江市经济和信息化局", "市经信局", "市经济和信息化局"),
    _city("agri", "内江市农业农村局", "市农业农村局"),
    _city("rural", "内江市乡村振兴局", "市乡村振兴局"),
    _city("land", "内江市自然资源和规划局", "市自然资源规划局", "市自然资源和规划局", "市自然资源局"),
    _city("housing", "内江市住房和城乡建设局", "市住建局", "市住房和城乡建设局"),
    _city("samr", "内江市市场监督管理局", "市市场监管局", "市市场监督管理局"),
    _city("commerce", "内江市商务局", "市商务局"),
    _city("science", "内江市科学技术局", "市科技局", "市科学技术局"),
    _city("culture", "内江市文化广播电视和旅游局", "市文广旅局", "市文化广播电视和旅游局"),
    _city("justice", "内江市司法局", "市司法局"),
    _city("financial", "内江市地方金融管理局", "市金融局", "市地方金融管理局", "内江市地方金融监督管理局",
          "市地方金融监管局", "内江市金融工作局", "市金融工作局"),
    _city("pbc", "中国人民银行内江市分行", "人民银行内江市分行", "人行内江市分行", "中国人民银行内江市中心支行",
          "人民银行内江市中心支行", "人行内江中心支行", "人行内江市中心支行"),
    _city("tax", "国家税务总局内江市税务局", "市税务局", "内江市税务局"),
    _city("acfic", "内江市工商业联合会", "市工商联", "内江市工商联", "市工商业联合会"),
    _city("youth", "共青团内江市委员会", "团市委", "共青团内江市委"),
    _city("women", "内江市妇女联合会", "市妇联", "内江市妇联"),
)


def _county(region: str, full: str, short: str) -> tuple[Department, ...]:
    """The county's government and its 人社局; where its full name starts with 内江市, that is the short one too."""
    def department(slug: str, what: str, short_name: str) -> Department:
        return Department(code=f"{region}-{slug}", name=f"{full}{what}", short_name=short_name, level="county",
                          region_code=region, aliases=(f"{short}{what}",) if full != short else ())

    return (department("gov", "人民政府", f"{short}政府"),
            department("hrss", "人力资源和社会保障局", f"{short}人社局"))


COUNTY_DEPARTMENTS = tuple(d for region, (full, short) in COUNTIES.items() for d in _county(region, full, short))
DEPARTMENTS = CITY_DEPARTMENTS + COUNTY_DEPARTMENTS
