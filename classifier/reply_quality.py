"""答非所问 check: does a unit's reply answer the complaint it was given?

Three signs, each 0..1:
- matter: the reply speaks of the complaint's own matter: the share of the complaint's content
  words the reply contains, or of its character pairs; and, with the routing model, how alike the
  two texts' category distributions are (a paraphrase shares no words but its category: 电钻 ~ 施工);
- action: the reply says what was done, concretely: action verbs in the past (已更换, 责令, 约谈,
  退还 ...), dates and times, amounts and counts, a deadline;
- boilerplate: how much of it is stock phrasing (已收悉, 高度重视, 认真研究, 请耐心等待 ...), and a
  reply too short to say anything.
The score weighs them; below ``LOW`` the unit is warned before the reply goes in, and the ticket
goes on the dispatcher's review list. ``bench/reply_quality_bench.py`` measures it against a
length-only baseline on ``data/reply_quality.csv`` (our own labelled set, written from the seed
scenarios).
"""

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Final

import numpy as np

from classifier.model import RoutingModel
from classifier.normalize import normalize
from classifier.tokenize import words

LOW: Final = 0.5
SAME_TOPIC: Final = 0.4  # a category cosine at or above this is the same matter (measured: see bench)
UNKNOWN_MATTER: Final = 0.5  # the words found no link, and there is no model to ask
OFF_TOPIC_BELOW: Final = 0.25  # matter below this: another matter's answer
NO_ACTION_BELOW: Final = 0.3  # action below this: nothing said to have been done
STOCK_FROM: Final = 0.5  # boilerplate from this share: mostly stock phrases
HAN: Final = re.compile(r"[\u4e00-\u9fff]")
SHORT_CHARS: Final = 25  # fewer than this says nothing concrete
# Words that appear in every complaint and prove nothing about its matter.
GENERIC: Final = frozenset(
    [
        "希望",
        "问题",
        "反映",
        "情况",
        "现在",
        "一直",
        "已经",
        "多次",
        "没有",
        "不是",
        "什么",
        "怎么",
        "能不能",
        "管一管",
        "处理",
        "解决",
        "谢谢",
        "你们",
        "我们",
        "大家",
        "每天",
        "以后",
        "附近",
        "这个",
        "那个",
        "有人",
        "很多",
        "非常",
        "严重",
        "影响",
        "要求",
        "市民",
        "来电",
        "来电人",
        "小区",
    ]
)
BOILERPLATE: Final = (
    "已收悉", "高度重视", "认真研究", "积极协调", "妥善处理", "尽快处理", "进一步", "加强管理", "加强宣传",
    "感谢您", "谢谢", "请耐心等待", "正在处理中", "正在调查", "已转", "转交", "相关部门", "相关单位",
    "依法依规", "已记录", "不断改进", "理解与支持", "对我们工作的支持", "监督", "将予以", "请咨询",
)  # fmt: skip
ACTION: Final = re.compile(
    r"(已|已经|于|当日|次日|并)[^，。；,;]{0,8}?"
    r"(安排|约谈|更换|维修|修复|修补|整改|拆除|清理|清运|退还|补发|支付|到账|调配|增设|设置|安装|恢复|"
    r"下达|责令|处罚|罚款|立案|查处|检测|复测|检查|核查|勘查|调解|达成|张贴|开通|消毒|减免|办理|告知|回电)"
    r"|责令|限期|逾期|罚款|到账|达成协议|恢复(通行|供水|照明|运行|原状)|已全部"
)
SPECIFIC: Final = re.compile(
    r"\d+\s*月\s*\d+\s*日|\d{1,2}\s*[时:：点]|\d+(\.\d+)?\s*(元|万元|盏|处|名|台|平方米|分钟|小时|天|日|度|个)"
)


@dataclass(frozen=True)
class ReplyCheck:
    score: float
    matter: float
    action: float
    boilerplate: float
    issues: list[str] = field(default_factory=list)  # off_topic, no_action, boilerplate, too_short

    @property
    def low(self) -> bool:
        return self.score < LOW


def _content_words(text: str) -> list[str]:
    return sorted({w for w in words(text) if len(w) >= 2 and not w.isdigit() and w not in GENERIC})


def _pairs(text: str) -> set[str]:
    han = re.sub(r"[^\u4e00-\u9fff]", " ", text)
    return {run[i : i + 2] for run in han.split() for i in range(len(run) - 1)}


def matter_of(complaint: str, reply: str) -> float:
    found = _content_words(complaint)
    by_words = sum(1 for w in found if w in reply) / min(len(found), 6) if found else 0.0
    asked = _pairs(complaint) - {p for w in GENERIC for p in _pairs(w)}
    by_pairs = len(asked & _pairs(reply)) / min(len(asked), 12) if asked else 0.0
    return min(1.0, max(by_words, by_pairs))


def action_of(reply: str) -> float:
    actions = len(ACTION.findall(reply))
    specifics = len(SPECIFIC.findall(reply))
    return min(1.0, 0.35 * min(actions, 2) + 0.15 * min(specifics, 2))


def _han(text: str) -> int:
    """Chinese characters in ``text``: what lengths here are counted in."""
    return len(HAN.findall(text))


def boilerplate_of(reply: str) -> float:
    stock = sum(len(p) for p in BOILERPLATE if p in reply)
    han = _han(reply) or 1
    share = min(1.0, 2.5 * stock / han)
    return max(share, 1.0 if han < SHORT_CHARS else 0.0) if not ACTION.search(reply) else share


def topic_similarity(model: RoutingModel, complaint: str, reply: str) -> float:
    """Cosine of the two texts' category probabilities under the routing model (0..1)."""
    _, p = model.proba("category", [normalize(complaint), normalize(reply)])
    a, b = p[0], p[1]
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.dot(a, b) / norm) if norm else 0.0


def check_reply(complaint: str, reply: str, *, similarity: float | None = None) -> ReplyCheck:
    """How well ``reply`` answers ``complaint`` (title and content together).

    ``similarity``: topic_similarity of the two, where a model is loaded (the words alone otherwise).
    """
    # The model's normal form hides numbers ("num"): dates and amounts are read from the text as typed.
    typed = unicodedata.normalize("NFKC", reply)
    matter = matter_of(normalize(complaint), normalize(reply))
    if similarity is None:
        # Words alone miss paraphrases (电钻 ~ 施工): without the model nothing is called off topic.
        matter = max(matter, UNKNOWN_MATTER)
    else:
        matter = max(matter, min(1.0, similarity / SAME_TOPIC))
    action, stock = action_of(typed), boilerplate_of(typed)
    score = round(0.5 * matter + 0.35 * action + 0.15 * (1 - stock), 3)
    off_topic, no_action, boilerplate = (
        matter < OFF_TOPIC_BELOW,
        action < NO_ACTION_BELOW,
        stock >= STOCK_FROM,
    )
    if off_topic:
        score = min(score, 0.3)  # a concrete answer to another matter is still 答非所问
    if no_action and boilerplate:
        score = min(score, 0.4)  # stock phrases with nothing done: on topic, but no answer
    found = {"off_topic": off_topic, "no_action": no_action, "boilerplate": boilerplate}
    issues = [name for name, present in found.items() if present]
    if _han(typed) < SHORT_CHARS:
        issues.append("too_short")
    return ReplyCheck(
        score=score,
        matter=round(matter, 3),
        action=round(action, 3),
        boilerplate=round(stock, 3),
        issues=issues,
    )
