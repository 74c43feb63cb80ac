from pathlib import Path

import jieba

from classifier import tokenize


def test_domain_terms_stay_whole() -> None:
    words = tokenize.words("龙须塘街道有人占道经营还噪音扰民，拖欠工资的老板跑了")
    for term in ("龙须塘街道", "占道经营", "噪音扰民", "拖欠工资"):
        assert term in words


def test_stop_words_and_punctuation_are_dropped() -> None:
    words = tokenize.words("喂，你好，我想反映一下，物业纠纷。")
    assert "物业纠纷" in words
    assert not {"喂", "你好", "我想", "反映", "一下", "，", "。"} & set(words)


def test_the_tokenizer_is_private_and_built_once() -> None:
    first = tokenize.tokenizer()
    assert tokenize.tokenizer() is first
    assert first is not jieba.dt
    assert "龙须塘街道" not in jieba.dt.FREQ or jieba.dt.FREQ["龙须塘街道"] == 0


def test_paddle_is_never_enabled() -> None:
    package = Path(tokenize.__file__).parent
    assert not [p for p in package.rglob("*.py") if "enable_" + "paddle(" in p.read_text(encoding="utf-8")]


def test_segmenting_run_by_run_gives_jiebas_words_for_the_whole_text() -> None:
    texts = [
        "龙须塘街道有人占道经营还噪音扰民，拖欠工资的老板跑了",
        "wifi 密码 abc-123 x_y 100% 3.5元 c++ 你好 ｗｏｒｌｄ\n\t好的",
        "テスト漢字 한국어 …—「引号」里的话",
        "   ",
    ]
    stop = tokenize.stop_words()
    for text in texts:
        whole = [
            w
            for w in tokenize.tokenizer().lcut(text, HMM=False)
            if w.strip() and w not in stop and not tokenize._is_punct(w)
        ]
        assert tokenize.words(text) == whole
