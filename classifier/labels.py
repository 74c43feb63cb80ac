"""The label vocabulary shared with the core: unit, category, nature and urgency codes."""

from typing import Final

# Member units that take public requests (code → name), as the core seeds them.
DEPARTMENTS: Final[dict[str, str]] = {
    "ndrc": "市发展改革委",
    "edu": "市教育局",
    "sci": "市科技局",
    "miit": "市工业和信息化局",
    "ethnic": "市民族宗教事务局",
    "police": "市公安局",
    "civil": "市民政局",
    "justice": "市司法局",
    "finance": "市财政局",
    "hrss": "市人力资源和社会保障局",
    "land": "市自然资源和规划局",
    "eco": "市生态环境局",
    "housing": "市住房和城乡建设局",
    "urban": "市城市管理局",
    "transport": "市交通运输局",
    "water": "市水利局",
    "agri": "市农业农村局",
    "commerce": "市商务局",
    "culture": "市文化旅游广电体育局",
    "health": "市卫生健康委员会",
    "emergency": "市应急管理局",
    "forestry": "市林业局",
    "market": "市市场监督管理局",
    "medins": "市医疗保障局",
    "archives": "市档案馆",
    "fund": "市住房公积金中心",
    "disabled": "市残联",
    "tax": "国家税务总局邵阳市税务局",
    "tobacco": "市烟草专卖局",
    "weather": "市气象局",
    "post": "市邮政管理局",
    "telecom": "湖南省通信管理局邵阳市通信发展管理办公室",
    "fire": "市消防救援支队",
    "realestate": "市不动产登记中心",
    "approval": "市行政审批服务局",
}
UTILITIES: Final[dict[str, str]] = {
    "gas": "市燃气公司",
    "cable": "湖南有线邵阳网络有限公司",
    "power": "国网邵阳供电分公司",
    "tapwater": "市自来水公司",
}
DISTRICTS: Final[dict[str, str]] = {
    "shuangqing": "双清区",
    "daxiang": "大祥区",
    "beita": "北塔区",
    "shaodong": "邵东市",
    "wugang": "武冈市",
    "xinshao": "新邵县",
    "shaoyangxian": "邵阳县",
    "longhui": "隆回县",
    "dongkou": "洞口县",
    "suining": "绥宁县",
    "xinning": "新宁县",
    "chengbu": "城步苗族自治县",
    "econ_zone": "邵阳经开区",
}
# Expert seats take transferred calls; they are never routing targets.
EXPERT_SEATS: Final[frozenset[str]] = frozenset({"expert_hrss", "expert_medins", "expert_law", "expert_biz"})

ROUTABLE_UNITS: Final[dict[str, str]] = {**DEPARTMENTS, **UTILITIES, **DISTRICTS}
DISTRICT_UNIT_BY_NAME: Final[dict[str, str]] = {name: code for code, name in DISTRICTS.items()}

# Leaf category codes (the label) → Chinese name.
CATEGORIES: Final[dict[str, str]] = {
    "urban.property": "物业管理",
    "urban.demolition": "违章搭建",
    "urban.street_vending": "占道经营",
    "urban.sanitation": "环境卫生",
    "urban.construction": "城乡建设",
    "env.noise": "噪音扰民",
    "env.pollution": "环境污染",
    "labor.wages": "拖欠工资",
    "labor.social_insurance": "社会保险",
    "labor.employment": "就业创业",
    "traffic.transit": "公共交通",
    "traffic.roads": "道路设施",
    "traffic.violations": "交通违法",
    "utility.water": "供水",
    "utility.power": "供电",
    "utility.gas": "供气",
    "utility.telecom": "通信网络",
    "market.consumer": "消费维权",
    "market.food_safety": "食品安全",
    "health.medical": "医疗卫生",
    "health.medical_insurance": "医疗保障",
    "education.schools": "教育",
    "social.civil_affairs": "民政救助",
    "social.disability": "残疾人服务",
    "housing.fund": "住房公积金",
    "housing.real_estate": "房产与不动产",
    "public_security.household": "户籍证件",
    "agriculture.rural": "农业农村",
    "culture.tourism": "文旅体育",
    "tax.tax": "税务",
    "gov.services": "政务服务",
    "other.other": "其他",
}

NATURES: Final[dict[str, str]] = {
    "consultation": "咨询",
    "help": "求助",
    "complaint": "投诉",
    "report": "举报",
    "suggestion": "建议",
    "praise": "表扬",
    "other": "其他",
}
URGENCIES: Final[dict[str, str]] = {"normal": "一般", "urgent": "紧急", "critical": "特急"}
TRANSFER_NUMBERS: Final[frozenset[str]] = frozenset({"110", "119", "120", "122"})
