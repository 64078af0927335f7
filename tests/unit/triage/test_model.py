"""The n-gram model beside the lexicon: what it was fitted on, that it is the fit the
train split gives, and that reading finds the same grams it was fitted on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tousu_triage import train
from tousu_triage.classifier.model import (
    ModelError,
    NgramModel,
    gram_key,
    gram_keys,
    ngrams,
    shipped_model,
    shipped_model_path,
)
from tousu_triage.corpus import read_corpus

from ..reading import read


@given(st.text(max_size=40))
def test_reading_finds_the_grams_the_model_was_fitted_on(text: str) -> None:
    by_gram = sorted(gram_key(g) for g in ngrams(text.replace("\0", " ")))
    assert sorted(gram_keys(text).tolist()) == by_gram


def test_the_shipped_model_saw_the_train_split_only() -> None:
    fitted_on = set(shipped_model().meta["fitted_on"])
    assert fitted_on == {r.id for r in read_corpus(split="train")}
    assert not fitted_on & {r.id for r in read_corpus(split="test")}


def test_the_shipped_model_is_what_the_train_split_fits() -> None:
    # fails when the corpus or the fitting changed and nobody ran `make train`
    assert train.main(["--check"]) == 0


def test_a_broken_model_file_is_named_with_the_fix(tmp_path: Path) -> None:
    bad = tmp_path / "model.npz"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelError, match=r"model\.npz: not a triage model .* make train"):
        NgramModel.load(bad)


def test_a_model_without_a_danger_column_is_refused() -> None:
    with pytest.raises(ModelError, match="danger"):
        NgramModel(
            labels=["elevator"],
            vocabulary=["电梯"],
            idf=np.ones(1, dtype=np.float32),
            weights=np.ones((1, 1), dtype=np.float32),
            bias=np.zeros(1, dtype=np.float32),
            meta={},
        )


def test_a_text_with_no_known_gram_scores_nothing() -> None:
    scores = shipped_model().score("\U0001f600\U0001f601")
    assert float(scores.values.max()) == -1.0 and scores.danger == -1.0
    assert scores.evidence("elevator") == ()


def test_its_reasons_are_words_not_punctuation() -> None:
    reason = next(r for r in read("厨房水管爆了，水一直往外喷，快来人！").reasons if "model" in r)
    grams = reason.split("model", 1)[1]
    assert "「" in grams and "，" not in grams and ",」" not in grams


def test_the_model_file_is_in_the_package() -> None:
    assert shipped_model_path().is_file() and shipped_model_path().suffix == ".npz"
