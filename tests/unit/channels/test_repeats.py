"""Repeats with no new facts: the share of a new message already said before."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tousu_intake.domain.repeats import is_repeat, overlap

texts = st.text(alphabet=st.sampled_from("电梯坏了漏水楼上噪音三号楼请尽快处理，。 AB12"), max_size=40)


@given(texts, texts)
def test_overlap_is_a_share(new: str, earlier: str) -> None:
    assert 0 <= overlap(new, earlier) <= 1


@given(texts, texts)
def test_saying_the_same_again_or_less_is_a_repeat(said: str, more: str) -> None:
    assert overlap(said, said + more) == 1
    assert is_repeat(said, said, threshold=1.0)


def test_a_resend_with_a_word_changed_is_a_repeat_and_a_new_fact_is_not() -> None:
    earlier = "3号楼电梯坏了，请尽快派人来修"
    assert is_repeat("怎么还没人来？3号楼电梯坏了请尽快派人来修", earlier, threshold=0.7)
    assert is_repeat("３号楼电梯坏了 请尽快派人来修！！", earlier, threshold=0.7)  # full-width, punctuation
    assert not is_repeat("3号楼电梯坏了，现在有人被困在里面，快来", earlier, threshold=0.7)
