"""Rule-first emergency and urgency detection: a missed emergency is the worst error this system makes.

Each rule is a set of patterns for one danger and the number it goes to. A match is
dropped only for a clear reason found in the same clause: a negation right before it
("没有闻到煤气味"), a hypothetical ("万一着火"), prevention or paperwork ("消防演练",
"交通事故认定"), or a past event with nothing said to be going on now. When in doubt
the rule fires: a false alarm costs an operator a second, a miss can cost a life.

Rules only know the phrasings someone wrote a rule for; the model's ``emergency`` head backs
them up in ``RoutingClassifier.suggest``, and never overrules a match the rules ruled out.
"""

import re
from dataclasses import dataclass
from typing import Final

from classifier.normalize import canonical


@dataclass(frozen=True, slots=True)
class EmergencyAlert:
    """Text that must go to 110/119/120/122 now; same field names as the core's ``Emergency``."""

    transfer_to: str
    reason: str
    matched: str = ""


@dataclass(frozen=True, slots=True)
class _Rule:
    kind: str
    transfer_to: str
    reason: str
    pattern: re.Pattern[str]
    exclude: re.Pattern[str] | None = None  # a clause matching this is about something else
    whole_text: bool = False  # the danger is often told across clauses ("老人出去买菜，一直找不到了")


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(parts))


# People named as the ones in danger; the patterns below reuse it.
_PERSON = (
    r"(?:孩子|小孩|儿子|女儿|小朋友|宝宝|婴儿|孙子|孙女|小男孩|小女孩|男孩|女孩|学生|老人(?!家来电)|老头|老太|老爷子"
    r"|老太太|母亲|父亲|爷爷|奶奶|外婆|外公|老伴|我爸|我妈|老公|老婆|有人|一个人)"
)

# Priority order: the first rule that fires decides the number.
_RULES: Final[tuple[_Rule, ...]] = (
    _Rule(
        "self_harm_done",
        "120",
        "有人已服毒、服药或割腕，需要急救",
        _rx(
            r"割腕|割脉|服毒|喝了?(?:一?瓶)?农药|(?:吞|吃)了[^，。]{0,6}(?:安眠药|农药|老鼠药|整板药|整瓶药|一瓶药|好多药|很多药)",
        ),
    ),
    _Rule(
        "self_harm",
        "110",
        "有人扬言或正在自杀、自伤",
        _rx(
            r"自杀|轻生|寻死|寻短见|想不开|上吊|跳楼|遗书|(?:要|想|准备|扬言)(?:从[^，。]{0,6})?(?:跳河|跳江|跳桥|跳下去|跳水库|跳)",
            r"(?:站|坐|爬)在?(?:楼顶|天台|桥上|桥栏|窗台|栏杆).{0,6}(?:要|想)?跳",
            r"不想活|不活了|活不下去|活着没意思|活着没有意思|想死|要死给|结束(?:自己的)?生命|(?:脚|腿|身子)[^，。]{0,4}(?:跨出去|伸出去|翻出去)",
        ),
        _rx(r"跳楼价|跳楼甩卖|跳楼大甩卖|[吵烦热累气忙]得?(?:人|我)?想死|跳广场舞|跳舞|跳绳|跳槽"),
    ),
    _Rule(
        "violence",
        "110",
        "正在发生暴力或人身伤害",
        _rx(
            r"打人|殴打|打架|打起来|斗殴|群殴|砍人|砍伤|捅人|捅伤|被捅|持刀|行凶|动手打|拿枪|有枪",
            r"拿(?:着)?(?:刀|菜刀|斧头|钢管|铁棍|棍子|棍|砖头|砍刀|枪)|(?:刀|棍|钢管)[^，。]{0,4}(?:追|砍|打)|追(?:着)?(?:人|砍|打)",
            r"被[^，。]{0,6}打(?:了|伤|得|死)|(?:在|又在|正在|还在|追着|围着)打"
            r"(?!桩|电话|卡|针|游戏|扫|折|球|麻将|牌|工|印|字|包|听|算|开|车|的|架子|官司|疫苗)"
            r"|打(?:了)?(?:我|她|他|小孩|孩子|学生|老人|员工|店员)(?!电话|卡|针)",
            r"抢劫|抢包|抢钱|抢了|绑架|绑(?:在|住)|劫持|挟持|家暴|家庭暴力|杀人|要杀|杀了我|砍死|打死|强奸|性侵|猥亵|非礼|偷拍",
            r"撬(?:[^，。]{0,3}门|车|锁)|砸门|砸(?:东西|店|车|玻璃)|有人(?:闯|砸)(?:进|门)|(?:小偷|贼)[^，。]{0,4}(?:在|正在|还在|进)",
            r"堵(?:在|住)[^，。]{0,8}(?:要钱|打|抢)|下了?药|(?:拉|拽|拖|抱|塞)(?:上|进)车|往车(?:上|里)(?:塞|拉|拖)|强行带走",
            r"动起手|动手了|威胁(?:要)?(?:杀|砍|弄死|捅|报复)|拿[^，。]{0,4}威胁|不让(?:她|他|我)走|传销窝点|非法拘禁|进了贼|(?:家里|屋里)[^，。]{0,3}有贼|(?:把|将)房子点了|往下扔[^，。]{0,6}砸",
        ),
        _rx(r"打人家|被打折|打架子鼓|防身术"),
    ),
    _Rule(
        "missing_person",
        "110",
        "儿童或老人走失、被拐",
        _rx(
            # the gap may cross a comma but not the caller's own things ("我的档案找不到了")
            _PERSON + r"(?:(?!我的|他的|她的)[^。]){0,16}"
            r"(?:走丢|走失|失踪|不见了|找不到了|一直找不到|走散|被人抱走|被拐|被带走|带走了|没回来|没有回来|没回家)",
            r"拐卖|拐走|人贩子|偷小孩|抢孩子|(?:把|要把)[^，。]{0,6}(?:抱走|带走|抢走)|把小孩带走",
        ),
        _rx(r"寻人启事[^，。]{0,4}(?:怎么|如何)|(?:预防|防止|防)走失|走失防护|快递|包裹|工资|钱"),
        whole_text=True,
    ),
    _Rule(
        "fire",
        "119",
        "火情：着火或爆炸",
        _rx(
            r"着火|著火|起火|失火|放火|纵火|火灾(?!隐患|险|预防|保险)|烧起来|燃起来|火烧|火势|大火|火光|火苗|明火|烧着了|在烧|自燃|救火|点着了|烧得很",
            r"(?:屋|房|楼|车|管道|线|柜|堆|棚|锅|灶|被子|窗帘|衣服|哪里|东西)[^，。]{0,2}着了|烧焦(?:的)?(?:味|气味|味道)|火星|点燃了|火越来越大|(?:仓库|房子|厂房|车间|屋子|店)[^，。]{0,3}烧了",
            r"(?:灶台|锅炉|高压锅|热水器|电池|充电宝)[^，。]{0,2}(?:炸开|炸裂|爆开)",
            r"爆炸|炸了|爆燃|(?:电动车|电瓶车|电瓶|电池|锅炉|罐子|气罐|煤气罐|轮胎)[^，。]{0,2}爆了",
        ),
        _rx(
            r"火灾隐患|防火|消防(?:通道|栓|设施|检查|演练|宣传|培训|验收)|灭火器(?:过期|年检)|炸鸡|炸串|油炸|炸货|爆炸头|禁止明火"
            r"|点不着|打不着|点不燃|不着火|遭(?:了|受)?火灾|火灾(?:后|以后|之后)"
        ),
    ),
    _Rule(
        "smoke",
        "119",
        "火情：冒烟、冒火花",
        _rx(r"冒(?:出)?[^，。]{0,4}烟|冒火|火花|浓烟|(?:到处|全|都)是烟"),
        _rx(r"烟囱|工厂|厂房排|作坊|油烟|焚烧|秸秆|垃圾|尾气|香烟|抽烟|粉尘|灰|烟花"),
    ),
    _Rule(
        "gas",
        "119",
        "燃气或有毒气体泄漏",
        _rx(
            r"(?:煤气|燃气|天然气|液化气|瓦斯)(?:的)?(?:味|气味|味道)|臭鸡蛋(?:的)?味",
            r"(?:煤气|燃气|天然气|液化气|气罐|钢瓶|燃气管|煤气管|气管|气表|阀门)(?:道)?[^，。]{0,3}"
            r"(?:泄漏|泄露|漏气|漏了|在漏|爆了|破了|挖断|挖破|断了|喷气|嘶嘶|嗤嗤|呲呲)",
            r"(?:氨气|氯气|毒气|化学品|危化品|硫化氢|农药)[^，。]{0,3}(?:泄漏|泄露|漏了|洒了|打翻)",
            r"味道呛人|呛得[^，。]{0,4}(?:喘|头晕|睁不开)|(?:好多|很多)人[^，。]{0,3}(?:咳嗽|头晕|呕吐)|(?:气瓶|液化气|煤气)[^，。]{0,8}(?:往外喷|喷出|呲呲|嘶嘶)",
            r"挖断[^，。]{0,6}管[^。]{0,8}(?:冒|喷|漏)[^，。]{0,4}气|冒出[^，。]{0,3}(?:臭|刺鼻|难闻|怪)的?气(?!温|候|象)|(?:油罐车|槽罐车)[^，。]{0,4}(?:翻|漏)|油漏了一地",
        ),
        _rx(r"油烟|烧烤|秸秆|垃圾"),
    ),
    _Rule(
        "medical",
        "120",
        "有人生命垂危，需要急救",
        _rx(
            r"昏迷|晕倒|晕过去|不省人事|休克|叫不醒|叫(?:了)?不(?:答应|应)|没(?:有)?(?:了)?(?:呼吸|意识|心跳|反应)|喘不上气|喘不过气|呼吸困难",
            r"心脏病(?:发作|犯了)|心梗|脑溢血|中风了|说不出话|脸歪了|嘴歪了|抽搐|抽筋[^，。]{0,6}(?:翻|口吐)|高烧[^，。]{0,3}抽|眼睛(?:往)?上翻|翻白眼|口吐白沫",
            r"大出血|流了?(?:好多|很多)血|血流不止|满(?:头|脸|身)是血|头破血流|吐血|中毒|噎住|脸都(?:青|紫)了|嘴唇发紫",
            r"触电|被电(?:到|击)|溺水|落水|沉下去|沉到水|掉(?:进|到|入)[^，。]{0,5}(?:河|江|池|塘|水库|井|坑|湖)",
            r"摔(?:倒|下来)[^，。]{0,6}(?:起不来|不动了|昏|流血)|从[^，。]{0,8}(?:摔|掉|跌)下来|倒下去了|倒地不起|倒在地上",
            r"烫伤|烧伤|卷进|绞进|夹断|压断|砸中|砸伤|快不行了|要生了|羊水破了|叫救护车|打120|抢救",
            r"胸口(?:痛|疼|闷)[^。]{0,10}(?:站不起|大汗|喘)|误(?:喝|服|吃)|喝了?(?:消毒水|洗洁精|农药|汽油|84)|全身(?:发肿|肿)|呼吸不顺|人事不省|昏昏沉沉",
            r"血止不住|止不住血|身体冰凉|浑身冰凉|(?:血压)[^，。]{0,4}(?:很高|特别高)[^。]{0,8}(?:吐|晕|头痛)|(?:从|在)[^，。]{0,10}(?:掉|摔|跌)下去|在水里扑腾|掉进冰|冰窟窿",
        ),
        _rx(r"急救(?:培训|知识|证|箱)|中毒[^，。]{0,4}(?:预防|宣传|知识)|(?:预防|防止)[^，。]{0,4}中毒"),
    ),
    _Rule(
        "traffic",
        "122",
        "交通事故现场",
        _rx(
            r"车祸|撞车|撞人|被车撞|(?:车|货车|公交|摩托|电动车)[^，。]{0,4}(?:撞了|撞到|翻了|侧翻|翻到)|追尾|连环撞|翻车",
            r"撞倒|刮倒|撞飞|压在车下|被车压|被车轧|(?:把|将)[^，。]{0,6}(?:撞(?:了|倒|伤)|压在(?:底下|下面))|撞(?:到|了)[^，。]{0,6}(?:行人|人)|撞在一起",
            r"交通事故(?!认定|责任|赔偿|理赔|处理结果|鉴定|复核)",
        ),
        _rx(r"事故认定|理赔|保险公司|赔偿|(?:事故|责任)认定书"),
    ),
    _Rule(
        "flood",
        "119",
        "洪水、内涝或山体灾害危及人身",
        _rx(
            r"洪水|山洪|被水围困|被(?:洪水|水)?困住|被困(?:在)?水|水漫进|漫进屋|水淹到|淹到(?:腰|胸|脖子|二楼|屋里|车窗|车顶)|决堤|溃堤|溃坝",
            r"堤坝?(?:垮|裂|溃)|漫堤|漫顶|(?:河水|江水|水位)[^，。]{0,4}(?:涨得很快|猛涨|暴涨)|车[^，。]{0,3}被淹|堤上[^，。]{0,4}缺口|水往[^，。]{0,4}(?:灌|冲)",
            r"(?:全|都)淹了[^。]{0,8}有人|进水了[^。]{0,8}被困|(?:土|泥|山)[^，。]{0,3}往下(?:滑|塌)|地震",
            r"泥石流|山体滑坡|滑坡|塌方|落石|滚下来[^，。]{0,6}石头|石头[^，。]{0,6}滚下来|冲垮|冲走|冲毁|(?:水库|山塘)[^，。]{0,4}(?:垮|溃|决口)|坝垮",
        ),
        _rx(r"防汛(?:物资|演练|宣传)|(?:修|加固)(?:河堤|堤坝)"),
    ),
    _Rule(
        "collapse",
        "119",
        "房屋或构筑物倒塌、有人被困",
        _rx(
            r"(?:房子|房屋|楼房|楼|墙|围墙|屋顶|天花板|棚子|工棚|脚手架|桥|广告牌)[^，。]{0,4}(?:塌|倒塌|垮了|坍塌|倒了|吹倒|刮倒|砸下来|掉下来)",
            r"被埋|压在下面|埋在下面|被压住|压住了|压到(?:了)?(?:人|一个)|砸(?:到|伤|中)(?:了)?(?:人|路过)|下面有人",
            r"(?:困|关|卡)在电梯|电梯[^。]{0,8}(?:困人|被困|关人|卡人|卡住|坠|往下掉|卡在|出不去|出不来|夹住)|有人卡住|被困在|困在里面|老人被困|有人被困",
            r"(?:阳台|玻璃顶|吊顶|吊车|塔吊)[^，。]{0,4}(?:掉下来|塌了|倒了|塌下来)",
        ),
        _rx(r"危房(?:鉴定|改造)|倒塌(?:隐患|风险)"),
    ),
    _Rule(
        "child_danger",
        "119",
        "儿童或老人身处险境",
        _rx(
            r"(?:孩子|小孩|小朋友|宝宝|婴儿|老人)[^，。]{0,6}(?:锁|关|困)在",
            r"(?:孩子|小孩|小朋友|宝宝)[^。]{0,6}(?:楼顶|天台|窗台|屋顶|护栏|阳台)(?:边上|边缘|外面|外边)",
            r"(?:孩子|小孩|小朋友|宝宝|老人)[^。]{0,10}(?:挂|悬|爬|站|玩)(?:在|到|出)?[^，。]{0,6}(?:窗外|外面|边上|窗台|楼顶|护栏外|空调)",
            r"(?:头|手|脚|腿)[^，。]{0,4}(?:卡在|卡进|伸进)[^，。]{0,6}(?:栏杆|防盗窗|护栏|缝)|出不来了?$|出不去了?$",
        ),
        whole_text=True,
    ),
    _Rule("call_for_help", "110", "有人呼救", _rx(r"救命|呼救"), _rx(r"救命钱|救命药|救命稻草")),
    _Rule(
        "welfare_check",
        "110",
        "独居者多日无音讯，可能出事",
        _rx(r"(?:好几天|几天|多日)没(?:出门|见|露面)[^。]{0,12}(?:怪味|臭味|没人应|不应|敲门)"),
        whole_text=True,
    ),
    _Rule(
        "medical_told_across_clauses",
        "120",
        "有人突发急症，需要急救",
        _rx(
            r"胸口(?:痛|疼|闷)[^。]{0,12}(?:站不起|大汗|喘不)",
            r"血压[^。]{0,6}(?:很高|特别高|突然高)[^。]{0,14}(?:吐|晕|头痛)",
        ),
        whole_text=True,
    ),
    _Rule(
        "flood_told_across_clauses",
        "119",
        "内涝积水中有人被困",
        _rx(r"(?:全|都)淹了[^。]{0,8}有人|进水了[^。]{0,8}被困"),
        whole_text=True,
    ),
)

_CLAUSE = re.compile(r"[，,。.!！?？;；\n]+")
_NEGATION = re.compile(
    r"(?:没有|没|并没有|(?<!是)不是|并非|未|无|不会|别)(?:人|什么)?(?:闻到|看到|听到|发现|感到|觉得)?.{0,1}$"
)
_HYPOTHETICAL = re.compile(
    r"万一|如果|假如|要是|一旦|怕|担心|容易|隐患|防止|预防|防范|以免|避免|会不会|可能会"
)
_PAPERWORK = re.compile(r"宣传|演练|培训|讲座|知识|怎么预防|如何预防|电视剧|新闻|电影|小说|游戏")
_PAST = re.compile(
    r"上次|上回|上周|上个月|去年|前年|以前|之前|前几天|前些天|前段时间|那年|曾经|当年|小时候|年前"
)
_NOW = re.compile(r"现在|正在|还在|一直在|刚刚|刚才|马上|赶紧|快来|救命|又|今天|此刻|目前|快点|赶快")
_RESOLVED = re.compile(r"已经(?:扑灭|灭了|处理好|处理完|修好|没事|送医|送到医院|好了|平息|结束)")
_THANKS = re.compile(r"表扬|感谢|点赞|锦旗")  # a call to praise tells of a danger already past


def _suppressed(clause: str, start: int) -> bool:
    """True when the clause itself says the danger is not real, not now, or not here."""
    if _NEGATION.search(clause[max(0, start - 6) : start]):
        return True
    return bool(_HYPOTHETICAL.search(clause) or _PAPERWORK.search(clause) or _RESOLVED.search(clause))


def scan_emergency(text: str) -> tuple[EmergencyAlert | None, bool]:
    """The emergency ``text`` describes, and whether a danger word was ruled out.

    The second value is True when some pattern matched but the text itself said it is not real,
    not now or not here: a model must not overrule that.
    """
    text = canonical(text)  # idempotent and cheap: callers may pass raw text
    clauses = [c for c in _CLAUSE.split(text) if c]
    ongoing = bool(_NOW.search(text))
    past = (bool(_PAST.search(text)) and not ongoing) or bool(_THANKS.search(text))
    ruled_out = False
    for rule in _RULES:
        for clause in [text] if rule.whole_text else clauses:
            if rule.exclude is not None and rule.exclude.search(clause):
                ruled_out = ruled_out or bool(rule.pattern.search(clause))
                continue
            for match in rule.pattern.finditer(clause):
                if past or _suppressed(clause, match.start()):
                    ruled_out = True
                    continue
                return EmergencyAlert(rule.transfer_to, rule.reason, match.group(0)), False
    return None, ruled_out


def detect_emergency(text: str) -> EmergencyAlert | None:
    """The emergency ``text`` describes by the rules, or None."""
    return scan_emergency(text)[0]


_URGENT = re.compile(
    r"停水|停电|断水|断电|没水|没电|没有水|没有电|停气|没气|水管爆|爆管|漏水.{0,4}(?:严重|很大|淹)|电梯.{0,4}(?:坏|故障|停运)"
    r"|井盖.{0,4}(?:没了|丢|缺|掉|坏)|路面塌陷|地面塌陷|树.{0,3}倒|电线.{0,4}(?:掉|断|垂|落)|漏电|污水.{0,4}(?:倒灌|漫)"
    r"|独居老人|孤寡老人|孕妇|高烧|紧急|很急|着急|急需|马上|今天之内|今晚|明天就要|(?:几|好几|两|三)天(?:了)?(?:都)?没(?:有)?(?:水|电|气)"
)


def urgency_of(text: str, alert: EmergencyAlert | None) -> str:
    """``critical`` for an emergency, ``urgent`` for outages, hazards and people at risk, else ``normal``."""
    if alert is not None:
        return "critical"
    return "urgent" if _URGENT.search(canonical(text)) else "normal"
