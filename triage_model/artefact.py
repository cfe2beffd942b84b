"""Versioned model artefacts: one folder per trained model with ``model.pickle.zlib`` and metadata.

Pickled scikit-learn objects are only safe to load with the library versions that wrote them,
so ``metadata.json`` records those versions and :func:`read_bundle` refuses a mismatch *before*
unpickling, with a message that says to retrain.

The bundle is a plain pickle (protocol 5) compressed with zlib, not ``joblib.dump``: joblib
loads through Python's pure-Python unpickler, which spent 1.5 s of every process start on the
vocabularies' 400,000 short strings; the C unpickler reads the same bundle in 0.3 s
(README "Speed"). Memory-mapping, joblib's reason to exist, is of no use for a model this size.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import platform
import shutil
import zlib
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from triage_model.errors import ArtefactError, ArtefactVersionError
from triage_model.segment import user_dictionary_path

MODEL_FILE = "model.pickle.zlib"
#: What artefacts written before the format change hold instead; read_bundle says to retrain.
OLD_MODEL_FILE = "model.joblib"
#: zlib level 3: the size joblib's ``compress=3`` gave (19 MiB), written in well under a second.
COMPRESSION_LEVEL = 3
METADATA_FILE = "metadata.json"
DEFAULT_ROOT = Path("models/triage")
LATEST = "latest"

#: Packages whose versions must match exactly for a pickle to be trusted.
PINNED_PACKAGES = ("scikit-learn", "numpy", "scipy", "jieba")


@dataclass
class Bundle:
    """What ``model.pickle.zlib`` holds: the fitted parts the predictor needs."""

    features: Any
    category_model: Any
    urgency_model: Any  # binary: classes ["normal", "urgent"]
    trigger_model: Any  # trigger_urgency.PerTriggerModels: one probability per trigger
    urgency_threshold: float
    rule_precision: dict[str, float]
    complaint_model: Any = None  # binary: classes ["chat", "complaint"]
    complaint_threshold: float = 0.5
    #: pinyin_words.build_lexicon of the training words (empty: no pinyin is read).
    pinyin_lexicon: dict[str, str] = field(default_factory=dict)


def environment_versions() -> dict[str, str]:
    """Versions that decide whether a pickle loads correctly, plus the user dictionary's hash."""
    versions = {"python": ".".join(platform.python_version_tuple()[:2])}
    for package in PINNED_PACKAGES:
        versions[package] = importlib_metadata.version(package)
    versions["shop_words.txt"] = hashlib.sha256(user_dictionary_path().read_bytes()).hexdigest()[
        :16
    ]
    return versions


def default_model_dir() -> Path:
    """``$TRIAGE_MODEL_DIR`` if set, else ``models/triage/latest`` under the working directory."""
    return Path(os.environ.get("TRIAGE_MODEL_DIR", str(DEFAULT_ROOT / LATEST)))


def dump_bundle(bundle: Bundle, path: Path) -> None:
    """Write ``bundle`` to ``path`` as a zlib-compressed pickle."""
    path.write_bytes(zlib.compress(pickle.dumps(bundle, protocol=5), COMPRESSION_LEVEL))


def load_bundle(path: Path) -> Any:
    """Unpickle what :func:`dump_bundle` wrote; only for files this project's training wrote."""
    return pickle.loads(zlib.decompress(path.read_bytes()))


def write_artefact(root: Path, version: str, bundle: Bundle, meta: dict[str, Any]) -> Path:
    """Write ``root/version/`` and point ``root/latest`` at it; returns the new folder."""
    folder = root / version
    tmp = root / f".{version}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    dump_bundle(bundle, tmp / MODEL_FILE)
    meta = {**meta, "version": version, "environment": environment_versions()}
    (tmp / METADATA_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n")
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    latest = root / LATEST
    link_tmp = root / f".{LATEST}.tmp"
    if link_tmp.is_symlink() or link_tmp.exists():
        link_tmp.unlink()
    link_tmp.symlink_to(version)
    link_tmp.replace(latest)  # atomic: a reader never sees a missing "latest"
    return folder


def read_metadata(folder: Path) -> dict[str, Any]:
    path = folder / METADATA_FILE
    if not path.is_file():
        raise ArtefactError(
            f"No trained triage model at {folder} (missing {METADATA_FILE}). "
            "Train one with `make train` or `python -m triage_model train`."
        )
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def check_versions(meta: dict[str, Any]) -> None:
    """Raise :class:`ArtefactVersionError` if the artefact was made with other versions."""
    recorded = meta.get("environment", {})
    current = environment_versions()
    differences = [
        f"{name} {recorded.get(name, '?')} (artefact) vs {value} (installed)"
        for name, value in current.items()
        if recorded.get(name) != value
    ]
    if differences:
        raise ArtefactVersionError(
            f"The triage model {meta.get('version', '?')} was trained with other library "
            f"versions: {'; '.join(differences)}. Retrain it with `make train` "
            "(or `python -m triage_model train`)."
        )


def read_bundle(folder: Path) -> tuple[Bundle, dict[str, Any]]:
    """Load an artefact folder after checking its versions; returns the bundle and metadata."""
    meta = read_metadata(folder)
    check_versions(meta)
    if not (folder / MODEL_FILE).is_file() and (folder / OLD_MODEL_FILE).is_file():
        raise ArtefactError(
            f"{folder} was written in the older joblib format ({OLD_MODEL_FILE}). Retrain it "
            "with `make train` (or `python -m triage_model train`)."
        )
    try:
        bundle = load_bundle(folder / MODEL_FILE)
    except (OSError, EOFError, ValueError, zlib.error, pickle.UnpicklingError) as exc:
        raise ArtefactError(f"Cannot read {folder / MODEL_FILE}: {exc}. Retrain it.") from exc
    if not isinstance(bundle, Bundle):
        raise ArtefactError(f"{folder / MODEL_FILE} is not a triage model bundle. Retrain it.")
    if getattr(bundle, "complaint_model", None) is None:
        raise ArtefactError(
            f"{folder} predates the complaint detector (is_complaint). Retrain it with "
            "`make train` (or `python -m triage_model train`)."
        )
    if not hasattr(bundle, "pinyin_lexicon"):
        # Written before pinyin was read (2026-12-07): the same model, reading no pinyin. It
        # stays loadable because the console keeps earlier models to compare and roll back to.
        bundle.pinyin_lexicon = {}
    from triage_model.trigger_urgency import PerTriggerModels

    if not isinstance(bundle.trigger_model, PerTriggerModels):
        raise ArtefactError(
            f"{folder} predates the per-trigger urgency models. Retrain it with "
            "`make train` (or `python -m triage_model train`)."
        )
    return bundle, meta
