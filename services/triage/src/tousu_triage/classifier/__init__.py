"""Triage's classifier: normalise, read cues with jieba and the lexicon, decide."""

from tousu_triage.classifier.lexicon import Lexicon, LexiconError, read_lexicon, shipped_lexicon
from tousu_triage.classifier.reader import Reader, Reading

__all__ = ["Lexicon", "LexiconError", "Reader", "Reading", "read_lexicon", "shipped_lexicon"]
