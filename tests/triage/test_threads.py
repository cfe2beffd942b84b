"""One loaded model is shared by the action server's threads: results must not interfere."""

from concurrent.futures import ThreadPoolExecutor

from triage_model.predictor import TriageModel

TEXTS = ["快递没到", "退款没到账", "衣服掉色", "账号被盗了", "孩子被烫伤", "发票开不了"] * 20


def test_concurrent_predictions_equal_sequential(model: TriageModel) -> None:
    expected = [model.predict(t).as_dict() for t in TEXTS]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda t: model.predict(t).as_dict(), TEXTS))
    assert got == expected
