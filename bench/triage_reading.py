"""The training complaints and evaluation slices as the product reads them, for the benches.

The category benches compare feature sets and models, so they must all start from the text
``train`` and ``predict`` see: normalised, then pinyin words rewritten with a lexicon of the
training words (``triage_model.pinyin_words``). Call :func:`product_reading` inside
``segment.remembered_words()`` so that each text is segmented once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SLICES = (
    "heldout",
    "realistic",
    "unseen_writers",
    "rare_situations",
    "unseen_real_style",
    "remedy_requests",
    "mixed_english",
    "mixed_english_check",
    "guide_edges",
    "fresh_heldout",
    "unadopted_writers",
    "urgency_check",
    "urgency_test",
    "urgency_retest",
)


@dataclass(frozen=True)
class Slice:
    """One evaluation slice's complaints: the texts as read, and their true categories."""

    texts: list[str]
    truth: list[str]


@dataclass(frozen=True)
class Reading:
    """Training complaints (texts and categories) and the slices, as the product reads them."""

    texts: list[str]
    labels: list[str]
    slices: dict[str, Slice]


def product_reading() -> Reading:
    from triage_model import segment
    from triage_model.dataset import DEFAULT_TRAIN_DIR, load_examples
    from triage_model.normalize import normalize
    from triage_model.pinyin_words import build_lexicon, transliterate

    train = [e for e in load_examples([REPO / DEFAULT_TRAIN_DIR]) if e.category is not None]
    normalized = [normalize(e.text) for e in train]
    # ``train`` builds the lexicon from the chat turns' words too; the complaints' is close.
    lexicon = build_lexicon(w for text in normalized for w in segment.words(text))
    slices = {}
    for name in SLICES:
        examples = [
            e
            for e in load_examples([REPO / "nlu_data/triage" / name])
            if e.is_complaint and e.category
        ]
        slices[name] = Slice(
            [transliterate(normalize(e.text), lexicon) for e in examples],
            [str(e.category) for e in examples],
        )
    return Reading(
        [transliterate(text, lexicon) for text in normalized],
        [str(e.category) for e in train],
        slices,
    )
