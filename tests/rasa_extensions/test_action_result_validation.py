"""action_result_validation: the same verdicts and messages as Rasa's own check, built once."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from rasa_extensions import action_result_validation
from rasa_extensions.action_result_validation import install, validate_action_result

#: Answers as our action server gives them, and as a broken one might.
VALID: list[dict[str, Any]] = [
    {"events": [], "responses": []},
    {
        "events": [
            {"event": "slot", "name": "order_number", "value": "2024112212345678"},
            {"event": "active_loop", "name": None},
            {"event": "followup", "name": "action_listen"},
        ],
        "responses": [
            {
                "text": "已为您登记工单 TS261122-7KQ3",
                "buttons": [{"title": "好的", "payload": "/affirm"}],
            }
        ],
    },
    {"events": [{"event": "pause"}], "responses": [{"response": "utter_handoff", "custom": {}}]},
]
BROKEN: list[dict[str, Any]] = [
    {"events": "slot order_number"},
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"event": "slot", "name": 3, "value": "x"}]},
    {"events": [], "responses": "谢谢"},
]


def _rasa_check() -> Any:
    install()  # keeps Rasa's method, whatever installed ours first in this process
    original = action_result_validation.rasa_validate_action_result
    assert original is not None
    return original


@pytest.fixture
def action() -> RemoteAction:
    return RemoteAction("action_submit_complaint", EndpointConfig("http://localhost:5055/webhook"))


@pytest.mark.parametrize("answer", VALID)
def test_valid_answers_pass_both(action: RemoteAction, answer: dict[str, Any]) -> None:
    assert _rasa_check()(action, answer) is True
    assert validate_action_result(action, answer) is True


@pytest.mark.parametrize("answer", BROKEN)
def test_broken_answers_fail_both_with_the_same_message(
    action: RemoteAction, answer: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError) as rasas:
        _rasa_check()(action, answer)
    with pytest.raises(ValidationError) as ours:
        validate_action_result(action, answer)
    assert ours.value.message == rasas.value.message
    assert "Failed to validate Action server response" in ours.value.message


def test_install_replaces_rasas_method_once(action: RemoteAction) -> None:
    install()
    install()

    assert RemoteAction.__dict__["_validate_action_result"] is validate_action_result
    assert action_result_validation.rasa_validate_action_result is not validate_action_result
    with pytest.raises(ValidationError):
        action._validate_action_result({"events": "nope"})
