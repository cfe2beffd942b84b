"""LinearIntentClassifier: trained for real by Rasa, loaded by Rasa, refusing untrusted files.

The model is trained once per module through ``rasa.model_training.train_nlu`` with the
pipeline of bot/config.yml (the shop's jieba dictionary included) on a small handwritten
intent set, then loaded as an Agent: that is the path a trained assistant takes at run time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zipfile import ZipFile

import numpy as np
import pytest
import skops.io as sio
from rasa.core.agent import Agent
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.model_training import train_nlu
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from rasa_extensions.linear_intent_classifier import (
    LinearIntentClassifier,
    UntrustedModelError,
)

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
MODEL_FILE = "linear_intent_classifier.skops"
RANKING_LENGTH = 3  # fewer than the four intents, so the ranking is cut

TRAINING: dict[str, list[str]] = {
    "greet": [
        "你好",
        "您好",
        "在吗",
        "哈喽",
        "早上好",
        "晚上好",
        "有人在吗",
        "嗨",
        "你好呀",
    ],
    "complain": [
        "我要投诉",
        "电饭煲不加热了",
        "收到的杯子是碎的",
        "衣服质量太差了",
        "快递丢了",
        "商品有质量问题",
        "买的手机屏幕坏了",
        "东西用了两天就坏了",
        "我要投诉你们的商品",
    ],
    "request_human": [
        "转人工",
        "我要找人工客服",
        "人工服务",
        "帮我转接人工",
        "找个真人跟我说",
        "让客服来处理",
        "我不想跟机器人说话",
        "有没有人工",
        "叫你们客服出来",
    ],
    "goodbye": [
        "再见",
        "拜拜",
        "下次再聊",
        "先这样吧",
        "没事了再见",
        "回头见",
        "好的拜拜",
        "不聊了",
        "就这样吧再见",
    ],
}

#: Messages that are not in TRAINING, with the intent they must get.
PARAPHRASES = [
    ("您好啊", "greet"),
    ("请问有人在吗", "greet"),
    ("热水壶坏了我要投诉", "complain"),
    ("我买的裤子质量有问题", "complain"),
    ("给我转人工", "request_human"),
    ("我要人工客服", "request_human"),
    ("拜拜啦", "goodbye"),
    ("那就先这样再见", "goodbye"),
]

CONFIG = f"""
recipe: default.v1
assistant_id: linear-intent-classifier-test
language: zh
pipeline:
  - name: JiebaTokenizer
    dictionary_path: {REPO / "triage_model/userdict"}
  - name: RegexFeaturizer
    use_word_boundaries: false
  - name: CountVectorsFeaturizer
    analyzer: word
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 3
  - name: rasa_extensions.linear_intent_classifier.LinearIntentClassifier
    ranking_length: {RANKING_LENGTH}
policies: []
"""


def nlu_yaml(examples: dict[str, list[str]]) -> str:
    lines = ['version: "3.1"', "nlu:"]
    for intent, texts in examples.items():
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {text}" for text in texts]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Agent]:
    """Train once with Rasa (about ten seconds) and load the model as the server would.

    The training cache goes to a temporary folder: a shared cache could hand back an
    earlier run's classifier instead of training this one.
    """
    folder = tmp_path_factory.mktemp("rasa")
    (folder / "config.yml").write_text(CONFIG, encoding="utf-8")
    (folder / "nlu.yml").write_text(nlu_yaml(TRAINING), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RASA_CACHE_DIRECTORY", str(folder / "cache"))
        patch.setenv("RASA_TELEMETRY_ENABLED", "false")
        model = train_nlu(
            config=str(folder / "config.yml"),
            nlu_data=str(folder / "nlu.yml"),
            output=str(folder / "models"),
        )
        assert model is not None, "Rasa did not train a model"
        yield Agent.load(model)


def parse(agent: Agent, text: str) -> dict[str, Any]:
    return asyncio.run(agent.parse_message(text))


@pytest.mark.parametrize(("text", "intent"), PARAPHRASES)
def test_recognises_unseen_paraphrases(agent: Agent, text: str, intent: str) -> None:
    assert parse(agent, text)["intent"]["name"] == intent


@pytest.mark.parametrize("text", [text for text, _ in PARAPHRASES])
def test_ranking_is_sorted_probabilities_of_the_configured_length(agent: Agent, text: str) -> None:
    """FallbackClassifier's thresholds compare these numbers: they must be probabilities."""
    parsed = parse(agent, text)
    ranking = parsed["intent_ranking"]
    confidences = [entry["confidence"] for entry in ranking]

    assert len(ranking) == RANKING_LENGTH
    assert {entry["name"] for entry in ranking} <= set(TRAINING)
    assert all(0.0 <= confidence <= 1.0 for confidence in confidences)
    assert confidences == sorted(confidences, reverse=True)
    assert sum(confidences) <= 1.0 + 1e-9  # the top three of a distribution over four
    assert parsed["intent"] == ranking[0]


@pytest.mark.parametrize("text", ["", "   ", "😀😀", "👍", "？？？"])
def test_messages_without_known_words_do_not_crash(agent: Agent, text: str) -> None:
    """Empty text has no features (no intent); unknown symbols get a low-confidence guess."""
    intent = parse(agent, text)["intent"]

    assert intent["name"] is None or intent["name"] in TRAINING
    assert 0.0 <= intent["confidence"] <= 1.0


# Loading a persisted model directly, as Rasa's graph does.


def features(rows: int, columns: int, seed: int) -> csr_matrix:
    """Count-like sparse features, enough to fit a pipeline."""
    counts = np.random.default_rng(seed).poisson(0.5, size=(rows, columns))
    return csr_matrix(counts.astype(np.float64))


def load_from(storage: LocalModelStorage, resource: Resource) -> LinearIntentClassifier:
    return LinearIntentClassifier.load(
        LinearIntentClassifier.get_default_config(),
        storage,
        resource,
        ExecutionContext(GraphSchema({}), node_name=resource.name),
    )


def test_model_file_with_an_unexpected_type_is_refused(tmp_path: Path) -> None:
    """A tampered or foreign file must fail loudly, not load as a classifier that is absent."""
    storage = LocalModelStorage(tmp_path)
    resource = Resource("train_LinearIntentClassifier")
    labels = np.array(["a", "b"] * 10)
    foreign = Pipeline([("tfidf", TfidfTransformer()), ("svm", LogisticRegression())]).fit(
        features(20, 6, seed=1), labels
    )
    with storage.write_to(resource) as directory:
        sio.dump(foreign, directory / MODEL_FILE)

    with pytest.raises(UntrustedModelError, match="LogisticRegression"):
        load_from(storage, resource)


def test_corrupt_model_file_is_not_taken_for_a_missing_one(tmp_path: Path) -> None:
    """Only a resource that was never written may load as no classifier (the next test)."""
    storage = LocalModelStorage(tmp_path)
    resource = Resource("train_LinearIntentClassifier")
    with storage.write_to(resource) as directory, ZipFile(directory / MODEL_FILE, "w") as file:
        file.writestr("schema.json", "{not json")

    with pytest.raises(ValueError, match="Expecting property name"):
        load_from(storage, resource)


def test_model_file_of_the_expected_types_loads(tmp_path: Path) -> None:
    """The control for the refusal: the component's own pipeline passes the same check."""
    storage = LocalModelStorage(tmp_path)
    resource = Resource("train_LinearIntentClassifier")
    config = LinearIntentClassifier.get_default_config()
    own = LinearIntentClassifier(config, storage, resource)._pipeline()
    labels = np.array(["a", "b"] * 10)
    own.fit(features(20, 6, seed=1), labels)
    with storage.write_to(resource) as directory:
        sio.dump(own, directory / MODEL_FILE)

    loaded = load_from(storage, resource)

    assert loaded.model is not None
    assert list(loaded.model.classes_) == ["a", "b"]


def test_model_that_was_never_trained_loads_as_no_classifier(tmp_path: Path) -> None:
    """Training data with fewer than two intents writes nothing: every message gets no intent.

    Unlike an untrusted file this is a legitimate state of a model, hence no error.
    """
    storage = LocalModelStorage(tmp_path)
    resource = Resource("train_LinearIntentClassifier")

    loaded = load_from(storage, resource)
    [message] = loaded.process([Message(data={"text": "你好"})])

    assert loaded.model is None
    assert message.get("intent") == {"name": None, "confidence": 0.0}
    assert message.get("intent_ranking") == []
