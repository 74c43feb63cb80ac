import pytest

from classifier.emergency import detect_emergency, urgency_of
from classifier.normalize import canonical
from tests.classifier.conftest import DATA, read_csv


def detect(text: str) -> str | None:
    alert = detect_emergency(canonical(text))
    return alert.transfer_to if alert else None


def test_every_emergency_phrasing_is_caught() -> None:
    rows = read_csv(DATA / "emergencies.csv")
    assert len(rows) >= 200
    missed = [r["text"] for r in rows if detect(r["text"]) is None]
    assert missed == []


def test_emergencies_go_to_the_right_number_nearly_always() -> None:
    rows = read_csv(DATA / "emergencies.csv")
    agree = sum(detect(r["text"]) == r["transfer_to"] for r in rows)
    assert agree / len(rows) >= 0.97


def test_ordinary_requests_raise_at_most_two_percent_false_alarms(corpus_rows: list[dict[str, str]]) -> None:
    texts = [r["text"] for r in read_csv(DATA / "ordinary.csv")] + [r["text"] for r in corpus_rows]
    alarms = [t for t in texts if detect(t) is not None]
    assert len(alarms) / len(texts) <= 0.02, alarms[:10]


def test_the_phrase_list_is_kept_apart_from_the_training_corpus(corpus_rows: list[dict[str, str]]) -> None:
    corpus = {r["text"] for r in corpus_rows}
    assert not corpus & {r["text"] for r in read_csv(DATA / "emergencies.csv")}


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("闻到很大的煤气味", "119"),
        ("燃气费怎么交", None),
        ("没有闻到煤气味，就是燃气表不走字了", None),
        ("楼道堆满杂物，万一着火了怎么办", None),
        ("小区消防通道被堵了", None),
        ("上个月出了个小车祸，保险公司不理赔", None),
        ("刚才路口出车祸了，有人躺在地上", "122"),
        ("商场搞跳楼价促销是假的", None),
        ("有人站在楼顶说要跳下去", "110"),
        ("我爸突然晕倒了叫不醒", "120"),
        ("電梯困人了", "119"),
        ("樓下著火了！", "119"),
        ("工地晚上还在打桩", None),
        ("表扬公交司机把晕倒的乘客送到医院", None),
        ("家里老人出去买菜，一直找不到了", "110"),
    ],
)
def test_negation_past_and_paperwork_are_told_apart(text: str, number: str | None) -> None:
    assert detect(text) == number


def test_an_alert_names_its_reason_and_the_words_that_matched() -> None:
    alert = detect_emergency(canonical("厨房油锅起火了"))
    assert alert is not None
    assert alert.reason
    assert alert.matched in "厨房油锅起火了"


@pytest.mark.parametrize(
    ("text", "urgency"),
    [
        ("屋里着火了", "critical"),
        ("小区停水两天了", "urgent"),
        ("路上井盖丢了一个", "urgent"),
        ("想问一下公积金怎么提取", "normal"),
    ],
)
def test_urgency(text: str, urgency: str) -> None:
    clean = canonical(text)
    assert urgency_of(clean, detect_emergency(clean)) == urgency
