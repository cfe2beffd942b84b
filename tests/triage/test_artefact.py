"""Artefacts: a trained model round-trips, records its provenance and refuses other versions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from triage_model.artefact import (
    METADATA_FILE,
    MODEL_FILE,
    OLD_MODEL_FILE,
    dump_bundle,
    load_bundle,
    read_metadata,
)
from triage_model.errors import ArtefactError, ArtefactVersionError
from triage_model.normalize import normalize
from triage_model.predictor import TriageModel
from triage_model.training import train

SAMPLES = ["快递三天没动了", "退款还没到账", "衣服掉色严重", "我的账号被盗了", "孩子被烫伤了"]


@pytest.fixture()
def trained(tiny_data: Path, tmp_path: Path) -> Path:
    result = train(
        data_dir=tiny_data, out_root=tmp_path / "models", folds=2, progress=lambda _message: None
    )
    return result.folder


def test_round_trip_gives_the_same_predictions(trained: Path) -> None:
    first = TriageModel.load(trained)
    second = TriageModel.load(trained.parent / "latest")
    assert [p.as_dict() for p in first.predict_many(SAMPLES)] == [
        p.as_dict() for p in second.predict_many(SAMPLES)
    ]


def test_metadata_records_provenance(trained: Path, tiny_data: Path) -> None:
    meta = read_metadata(trained)
    assert meta["version"] == trained.name
    lines = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in tiny_data.iterdir())
    assert meta["data"]["examples"] == lines
    assert len(meta["data"]["sha256"]) == 64
    assert set(meta["environment"]) >= {"python", "scikit-learn", "numpy", "jieba"}
    assert meta["labels"]["category"] == ["quality", "logistics", "after_sales", "other"]
    assert len(meta["category"]["cross_validation"]) >= 3
    assert 0.0 < meta["urgency"]["threshold"] <= 1.0


def test_other_library_versions_are_refused_with_a_retrain_hint(trained: Path) -> None:
    path = trained / METADATA_FILE
    meta = json.loads(path.read_text())
    meta["environment"]["scikit-learn"] = "0.24.2"
    path.write_text(json.dumps(meta))
    with pytest.raises(ArtefactVersionError, match="Retrain"):
        TriageModel.load(trained)


def test_an_artefact_in_the_old_joblib_format_must_be_retrained(trained: Path) -> None:
    (trained / MODEL_FILE).rename(trained / OLD_MODEL_FILE)
    with pytest.raises(ArtefactError, match="older joblib format"):
        TriageModel.load(trained)


def test_a_model_from_before_the_pinyin_step_loads_and_reads_no_pinyin(trained: Path) -> None:
    bundle = load_bundle(trained / MODEL_FILE)
    assert bundle.pinyin_lexicon  # the tiny data has words: train built a lexicon
    del bundle.pinyin_lexicon  # what a bundle pickled before the field existed holds
    dump_bundle(bundle, trained / MODEL_FILE)
    model = TriageModel.load(trained)
    assert model.predict("tuikuan 到哪一步了").category in {
        "quality",
        "logistics",
        "after_sales",
        "other",
    }
    assert load_bundle(trained / MODEL_FILE).__dict__.get("pinyin_lexicon") is None


def test_a_damaged_model_file_is_refused_with_a_retrain_hint(trained: Path) -> None:
    path = trained / MODEL_FILE
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(ArtefactError, match="Retrain"):
        TriageModel.load(trained)


def test_missing_artefact_says_how_to_train(tmp_path: Path) -> None:
    with pytest.raises(ArtefactError, match="make train"):
        TriageModel.load(tmp_path / "nothing-here")


def test_compiled_path_matches_sklearn(model: TriageModel) -> None:
    """The fast single-message path must give sklearn's own probabilities."""
    bundle = model._bundle
    compiled = model._compiled
    assert compiled is not None, "the chosen pipeline should be compilable"
    heldout = Path(__file__).resolve().parents[2] / "nlu_data/triage/heldout"
    texts = [
        json.loads(line)["text"]
        for path in sorted(heldout.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()[:40]
    ]
    normalized = [normalize(t) for t in texts]
    matrix = bundle.features.transform(normalized)
    expected = [
        bundle.category_model.predict_proba(matrix),
        bundle.urgency_model.predict_proba(matrix),
        bundle.trigger_model.predict_proba(matrix),
        bundle.complaint_model.predict_proba(matrix),
    ]
    for row, text in enumerate(normalized):
        fast_rows = compiled.probabilities(text)
        assert len(fast_rows) == len(expected)
        for fast, slow in zip(fast_rows, expected):
            np.testing.assert_allclose(fast, slow[row], atol=1e-9)


def test_single_and_batch_predictions_agree(model: TriageModel) -> None:
    texts = SAMPLES * 5  # 25 > the compiled batch limit: the batch goes through sklearn
    batch = model.predict_many(texts)
    for text, expected in zip(texts, batch):
        single = model.predict(text)
        assert single.category == expected.category
        assert single.urgency == expected.urgency
        assert abs(single.urgency_score - expected.urgency_score) < 1e-9
        assert single.is_complaint == expected.is_complaint
        assert abs(single.complaint_score - expected.complaint_score) < 1e-9
