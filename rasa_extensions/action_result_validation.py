"""Check the action server's answers against Rasa's schema with one validator, built once.

Why: Rasa 3.6 checks every answer of the action server with
``jsonschema.validate(result, RemoteAction.action_response_format_spec())``. That call first
re-checks Rasa's own, constant schema against the JSON Schema metaschema and builds a new
validator, every time; only then does it look at the answer. Profiled under 20 conversations
always in flight, re-checking the constant schema was about 14% of a Rasa worker's CPU.

:func:`validate_action_result` does what ``jsonschema.validate`` does after that first step
(``iter_errors``, ``best_match``, raise the best error) with a validator built, and its
schema checked, once per process, and adds Rasa's own hint to the message. Every answer is
still validated against the same schema; tests compare the verdicts and messages with
Rasa's method on valid and broken answers.

This replaces a method of Rasa's ``RemoteAction``, so :func:`install` refuses to run on a
Rasa whose class no longer has it (``requirements-rasa.txt`` pins the version it was written
for). ``rest_channel.settle_worker`` installs it in each Rasa worker before it serves.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from jsonschema import exceptions, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

#: Rasa's own method, kept by :func:`install` (the tests compare against it).
rasa_validate_action_result: Callable[[RemoteAction, dict[str, Any]], bool] | None = None


@functools.lru_cache(maxsize=1)
def _validator() -> Any:
    """The schema's validator, the schema checked once as ``jsonschema.validate`` would."""
    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """Rasa's ``RemoteAction._validate_action_result``, with the validator built once."""
    error = exceptions.best_match(_validator().iter_errors(result))
    if error is not None:
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def install() -> None:
    """Use :func:`validate_action_result` for every remote action of this process."""
    global rasa_validate_action_result
    current = RemoteAction.__dict__.get("_validate_action_result")
    if current is None:
        raise RuntimeError(
            "rasa.core.actions.action.RemoteAction has no _validate_action_result: this Rasa "
            "is not the version rasa_extensions.action_result_validation was written for"
        )
    if current is not validate_action_result:
        rasa_validate_action_result = current
        RemoteAction._validate_action_result = validate_action_result
