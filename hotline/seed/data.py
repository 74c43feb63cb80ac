"""Shaoyang's member units, categories and demo accounts: what `hotline seed` loads.

Units follow attachment 2 of 邵市政办发〔2025〕13号 (the departments and public utilities
that take applications), the city's counties and districts, and the expert seats that
joined the hotline hall (人社, 医保, 法律服务, 政企通).
"""

from hotline.calls.models import TransferKind
from hotline.enums import Role, UnitKind

D, DI, U, E = UnitKind.DEPARTMENT, UnitKind.DISTRICT, UnitKind.UTILITY, UnitKind.EXPERT

# (code, name, short name, kind, district)
UNITS: tuple[tuple[str, str, str, UnitKind, str], ...] = (
    ("ndrc", "市发展改革委", "发改委", D, ""),
    ("edu", "市教育局", "教育局", D, ""),
    ("sci", "市科技局", "科技局", D, ""),
    ("miit", "市工业和信息化局", "工信局", D, ""),
    ("ethnic", "市民族宗教事务局", "民宗局", D, ""),
    ("police", "市公安局", "公安局", D, ""),
    ("civil", "市民政局", "民政局", D, ""),
    ("justice", "市司法局", "司法局", D, ""),
    ("finance", "市财政局", "财政局", D, ""),
    ("hrss", "市人力资源和社会保障局", "人社局", D, ""),
    ("land", "市自然资源和规划局", "自然资源局", D, ""),
    ("eco", "市生态环境局", "生态环境局", D, ""),
    ("housing", "市住房和城乡建设局", "住建局", D, ""),
    ("urban", "市城市管理局", "城管局", D, ""),
    ("transport", "市交通运输局", "交通局", D, ""),
    ("water", "市水利局", "水利局", D, ""),
    ("agri", "市农业农村局", "农业农村局", D, ""),
    ("commerce", "市商务局", "商务局", D, ""),
    ("culture", "市文化旅游广电体育局", "文旅广体局", D, ""),
    ("health", "市卫生健康委员会", "卫健委", D, ""),
    ("emergency", "市应急管理局", "应急局", D, ""),
    ("forestry", "市林业局", "林业局", D, ""),
    ("market", "市市场监督管理局", "市场监管局", D, ""),
    ("medins", "市医疗保障局", "医保局", D, ""),
    ("security", "市国家安全局", "国安局", D, ""),
    ("archives", "市档案馆", "档案馆", D, ""),
    ("fund", "市住房公积金中心", "公积金中心", D, ""),
    ("disabled", "市残联", "残联", D, ""),
    ("tax", "国家税务总局邵阳市税务局", "税务局", D, ""),
    ("tobacco", "市烟草专卖局", "烟草局", D, ""),
    ("weather", "市气象局", "气象局", D, ""),
    ("post", "市邮政管理局", "邮政管理局", D, ""),
    ("telecom", "湖南省通信管理局邵阳市通信发展管理办公室", "通信办", D, ""),
    ("fire", "市消防救援支队", "消防支队", D, ""),
    ("realestate", "市不动产登记中心", "不动产中心", D, ""),
    ("archives_bureau", "市档案局", "档案局", D, ""),
    ("press", "市新闻出版局", "新闻出版局", D, ""),
    ("overseas", "市人民政府侨务办公室", "侨办", D, ""),
    ("approval", "市行政审批服务局", "审批局", D, ""),
    ("gas", "市燃气公司", "燃气公司", U, ""),
    ("cable", "湖南有线邵阳网络有限公司", "有线网络", U, ""),
    ("power", "国网邵阳供电分公司", "供电公司", U, ""),
    ("tapwater", "市自来水公司", "自来水公司", U, ""),
    ("shuangqing", "双清区人民政府", "双清区", DI, "双清区"),
    ("daxiang", "大祥区人民政府", "大祥区", DI, "大祥区"),
    ("beita", "北塔区人民政府", "北塔区", DI, "北塔区"),
    ("shaodong", "邵东市人民政府", "邵东市", DI, "邵东市"),
    ("wugang", "武冈市人民政府", "武冈市", DI, "武冈市"),
    ("xinshao", "新邵县人民政府", "新邵县", DI, "新邵县"),
    ("shaoyangxian", "邵阳县人民政府", "邵阳县", DI, "邵阳县"),
    ("longhui", "隆回县人民政府", "隆回县", DI, "隆回县"),
    ("dongkou", "洞口县人民政府", "洞口县", DI, "洞口县"),
    ("suining", "绥宁县人民政府", "绥宁县", DI, "绥宁县"),
    ("xinning", "新宁县人民政府", "新宁县", DI, "新宁县"),
    ("chengbu", "城步苗族自治县人民政府", "城步县", DI, "城步苗族自治县"),
    ("econ_zone", "邵阳经济技术开发区管委会", "经开区", DI, "邵阳经开区"),
    ("expert_hrss", "人社专家坐席", "人社专席", E, ""),
    ("expert_medins", "医保专家坐席", "医保专席", E, ""),
    ("expert_law", "法律服务专家坐席", "法律专席", E, ""),
    ("expert_biz", "政企通专家坐席", "政企通专席", E, ""),
)

# (code, name, parent code or "", default unit code, utility)
CATEGORIES: tuple[tuple[str, str, str, str, bool], ...] = (
    ("urban", "城市管理", "", "urban", False),
    ("urban.construction", "城乡建设", "urban", "housing", False),
    ("urban.property", "物业管理", "urban", "housing", False),
    ("urban.demolition", "违章搭建", "urban", "urban", False),
    ("urban.street_vending", "占道经营", "urban", "urban", False),
    ("urban.sanitation", "环境卫生", "urban", "urban", False),
    ("env", "生态环境", "", "eco", False),
    ("env.noise", "噪音扰民", "env", "eco", False),
    ("env.pollution", "环境污染", "env", "eco", False),
    ("labor", "劳动保障", "", "hrss", False),
    ("labor.wages", "拖欠工资", "labor", "hrss", False),
    ("labor.social_insurance", "社会保险", "labor", "hrss", False),
    ("labor.employment", "就业创业", "labor", "hrss", False),
    ("traffic", "交通出行", "", "transport", False),
    ("traffic.transit", "公共交通", "traffic", "transport", False),
    ("traffic.roads", "道路设施", "traffic", "transport", False),
    ("traffic.violations", "交通违法", "traffic", "police", False),
    ("utility", "水电气讯", "", "", True),
    ("utility.water", "供水", "utility", "tapwater", True),
    ("utility.power", "供电", "utility", "power", True),
    ("utility.gas", "供气", "utility", "gas", True),
    ("utility.telecom", "通信网络", "utility", "telecom", False),
    ("market", "市场监管", "", "market", False),
    ("market.consumer", "消费维权", "market", "market", False),
    ("market.food_safety", "食品安全", "market", "market", False),
    ("health", "医疗卫生", "", "health", False),
    ("health.medical", "医疗服务", "health", "health", False),
    ("health.medical_insurance", "医疗保障", "health", "medins", False),
    ("education", "教育", "", "edu", False),
    ("education.schools", "学校教育", "education", "edu", False),
    ("social", "社会保障", "", "civil", False),
    ("social.civil_affairs", "民政救助", "social", "civil", False),
    ("social.disability", "残疾人服务", "social", "disabled", False),
    ("housing", "住房", "", "housing", False),
    ("housing.fund", "住房公积金", "housing", "fund", False),
    ("housing.real_estate", "房产与不动产", "housing", "realestate", False),
    ("public_security", "公安户政", "", "police", False),
    ("public_security.household", "户籍证件", "public_security", "police", False),
    ("agriculture", "农业农村", "", "agri", False),
    ("agriculture.rural", "农村事务", "agriculture", "agri", False),
    ("culture", "文化旅游", "", "culture", False),
    ("culture.tourism", "文旅体育", "culture", "culture", False),
    ("tax", "税务", "", "tax", False),
    ("tax.tax", "税费办理", "tax", "tax", False),
    ("gov", "政务服务", "", "approval", False),
    ("gov.services", "行政审批与政务服务", "gov", "approval", False),
    ("other", "其他", "", "", False),
    ("other.other", "其他事项", "other", "", False),
)

DEMO_PASSWORD = "hotline12345"  # noqa: S105  (printed by the demo; never used outside it)

# (username, display name, role, unit code or None)
DEMO_USERS: tuple[tuple[str, str, Role, str | None], ...] = (
    ("operator1", "话务员 李艳", Role.OPERATOR, None),
    ("operator2", "话务员 王芳", Role.OPERATOR, None),
    ("operator3", "话务员 刘洋", Role.OPERATOR, None),
    ("dispatcher", "值班长 陈静", Role.DISPATCHER, None),
    ("supervisor", "主任 周强", Role.SUPERVISOR, None),
    ("admin", "系统管理员", Role.ADMIN, None),
    ("unit_housing", "住建局 联络员", Role.UNIT, "housing"),
    ("unit_urban", "城管局 联络员", Role.UNIT, "urban"),
    ("unit_hrss", "人社局 联络员", Role.UNIT, "hrss"),
    ("unit_power", "供电公司 联络员", Role.UNIT, "power"),
    ("unit_shuangqing", "双清区 联络员", Role.UNIT, "shuangqing"),
    ("unit_daxiang", "大祥区 联络员", Role.UNIT, "daxiang"),
)

# (name, extension, kind, sort order): the lines an operator transfers to, as the dialplan's
# transfer context has them (docker/asterisk extensions.conf; telephony.config's defaults).
TRANSFER_TARGETS: tuple[tuple[str, str, TransferKind, int], ...] = (
    ("报警", "110", TransferKind.EMERGENCY, 1),
    ("火警", "119", TransferKind.EMERGENCY, 2),
    ("急救", "120", TransferKind.EMERGENCY, 3),
    ("交通事故", "122", TransferKind.EMERGENCY, 4),
    ("人社", "2001", TransferKind.EXPERT, 1),  # 人力资源和社会保障
    ("医保", "2002", TransferKind.EXPERT, 2),  # 医疗保障
    ("法律服务", "2003", TransferKind.EXPERT, 3),
    ("政企通", "2004", TransferKind.EXPERT, 4),  # enterprise service line
)

# (seat code, queue-member interface, operator username); matches docker/asterisk queues.conf
SEATS: tuple[tuple[str, str, str], ...] = (
    ("1001", "Local/1001@agents", "operator1"),
    ("1002", "Local/1002@agents", "operator2"),
    ("1003", "Local/1003@agents", "operator3"),
)

# (title, body, keywords, owner unit code)
ARTICLES: tuple[tuple[str, str, str, str], ...] = (
    (
        "住房公积金提取条件与办理渠道",
        "购房、建房、租房、退休、离开本市等情形可申请提取住房公积金。可通过市住房公积金中心网厅、"
        "手机公积金APP或到市政务服务中心公积金窗口办理，需本人身份证及相关证明材料。",
        "公积金 提取 租房 购房 退休",
        "fund",
    ),
    (
        "城乡居民医保参保缴费",
        "城乡居民基本医疗保险按年度缴费，缴费期一般为每年9月至12月，可通过税务APP、微信或银行网点缴纳，"
        "新生儿出生后可在3个月内办理参保。",
        "医保 缴费 参保 新生儿 居民医保",
        "medins",
    ),
    (
        "拖欠工资如何维权",
        "劳动者被拖欠工资，可先与用人单位协商；协商不成可向用人单位所在地人社部门劳动保障监察机构投诉，"
        "或申请劳动争议仲裁。请保留劳动合同、考勤、工资条等证据。",
        "拖欠工资 欠薪 讨薪 劳动仲裁 劳动监察",
        "hrss",
    ),
    (
        "停电报修与计划停电查询",
        "突发停电可拨打95598报修；计划停电信息可在国网供电公司公众号查询。如家中单户停电，请先检查家中空开与电表。",
        "停电 报修 95598 电费 供电",
        "power",
    ),
    (
        "身份证补办",
        "居民身份证遗失可到户籍所在地或居住地公安派出所、政务服务中心户政窗口补办，带户口簿或近期照片，"
        "按规定缴纳工本费，一般20个工作日内领取，可申请临时身份证。",
        "身份证 补办 遗失 临时身份证 户籍",
        "police",
    ),
)
