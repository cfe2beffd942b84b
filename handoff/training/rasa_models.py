"""Loading a Rasa model into the running Rasa server: ``PUT /model`` on its HTTP API.

Rasa runs several worker processes (``RASA_WORKERS``) and each holds its own model; one
``PUT /model`` reaches only the worker that accepts the connection. So the model is sent on
fresh connections and ``GET /status`` (also one worker per connection) is asked again and
again until a run of answers in a row all report the new model file; any worker still on the
old model gets another ``PUT``. The API token (``--auth-token``) is ``$RASA_TOKEN`` or the
file ``var/rasa_token`` that the secrets helper writes; without either, the call is sent
without a token (a Rasa started without one accepts it).
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

#: Consecutive /status answers naming the new model before every worker counts as loaded.
#: The kernel does not hand fresh connections to the workers evenly (the worker that just
#: answered often takes the next one too): 8 in a row once came all from the worker that had
#: the new model while the other still served the old, so the run is long and spaced.
AGREEING_ANSWERS: Final = 30
#: Pause between two /status questions, so that every worker is back waiting for a connection.
POLL_PAUSE_SECONDS: Final = 0.05
TIMEOUT_SECONDS: Final = 120.0


class RasaLoadError(RuntimeError):
    """The Rasa server did not take the model (Chinese message)."""


def rasa_token(env: Mapping[str, str] | None = None, var_dir: Path | None = None) -> str:
    """Rasa's API token: ``$RASA_TOKEN``, else ``var/rasa_token`` if present, else none."""
    env = os.environ if env is None else env
    value = env.get("RASA_TOKEN", "").strip()
    if value:
        return value
    path = (var_dir or Path.cwd() / "var") / "rasa_token"
    return path.read_text().strip() if path.is_file() else ""


def _request(url: str, token: str, method: str, body: dict[str, Any] | None, timeout: float) -> Any:
    query = f"?{urllib.parse.urlencode({'token': token})}" if token else ""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url + query,
        data=data,
        method=method,
        headers={"Content-Type": "application/json", "Connection": "close"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


def _status_model(base: str, token: str) -> str:
    status = _request(f"{base}/status", token, "GET", None, 10)
    return str((status or {}).get("model_file") or "")


def load_model(
    rasa_url: str, model_file: Path, *, token: str = "", timeout: float = TIMEOUT_SECONDS
) -> int:
    """Load ``model_file`` into every worker of the Rasa server; returns the PUTs sent."""
    base = rasa_url.rstrip("/")
    wanted = str(model_file.resolve())
    deadline = time.monotonic() + timeout
    puts, agreeing = 0, 0
    need_put = True
    while time.monotonic() < deadline:
        try:
            if need_put:
                _request(f"{base}/model", token, "PUT", {"model_file": wanted}, timeout)
                puts += 1
                need_put = False
            current = _status_model(base, token)
        except urllib.error.HTTPError as error:
            if error.code in (401, 403):
                raise RasaLoadError("Rasa 拒绝了请求：令牌不对（RASA_TOKEN）。") from error
            raise RasaLoadError(f"Rasa 无法加载模型（HTTP {error.code}）。") from error
        except (urllib.error.URLError, OSError) as error:
            raise RasaLoadError(f"连不上 Rasa 服务器：{error}") from error
        if Path(current).name == model_file.name or current == wanted:
            agreeing += 1
            if agreeing >= AGREEING_ANSWERS:
                return puts
        else:
            agreeing, need_put = 0, True
        time.sleep(POLL_PAUSE_SECONDS)
    raise RasaLoadError("Rasa 服务器没有在规定时间内全部加载新模型。")
