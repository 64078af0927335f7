"""The bigram index never misses a case the words are in: a word's bigrams are a subset of
the bigrams of any text containing it (the LIKE check then removes false positives)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tousu_archive.search import grams

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x4E40)
TEXT = st.text(alphabet=st.one_of(CJK, st.sampled_from("，。 !a1B-")), max_size=40)


def test_bigrams_of_a_complaint() -> None:
    assert grams("楼上漏水了，天花板湿了") == sorted(
        {"楼上", "上漏", "漏水", "水了", "天花", "花板", "板湿", "湿了"}
    )
    assert grams("电梯") == ["电梯"]
    assert grams("水") == [] and grams(None) == []
    assert grams("Lift-3 坏了") == sorted({"li", "if", "ft", "坏了"})
    assert grams("电梯坏了", "g1") == ["g1:坏了", "g1:梯坏", "g1:电梯"]


@given(TEXT, st.data())
def test_a_word_in_a_text_has_its_bigrams_in_the_texts(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    assert set(grams(text[start:end])) <= set(grams(text))
