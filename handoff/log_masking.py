"""One logging filter for every process: phone numbers, street addresses and credentials
never reach a log file readable.

Used by the gateway, the action server (``rasa_sdk_plugins``) and, through
``rasa_extensions.rest_channel``, the Rasa server (standard library only, so the Rasa
environment imports it too). :func:`install_log_masking` masks every record at creation
(``logging.setLogRecordFactory``), whichever logger made it, and puts
:class:`PersonalDataFilter` on the handlers that exist, for the fields some libraries pass as
``extra`` (Sanic's access log puts the request line there). Masking happens before anything is
formatted or written.

What is masked, after NFKC (full-width digits and ``＋`` fold to ASCII first):

- mobile numbers plain, dashed, dotted, spaced, with ``+86``/``0086``/``86`` →
  ``138****5678``; landlines with an area code (``010-12345678``, ``(0755) 1234567``) →
  ``0755****``;
- street addresses (…路/街/巷/弄 12号, and 小区/花园/大厦 5栋2单元301室) → ``[地址]``;
- credentials in URLs (``sig=``, ``token=``, ``anon=``, ``t=``) → ``sig=***``.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any, Final

_SEP: Final = r"[ .\-]?"
MOBILE: Final = re.compile(
    rf"(?<![\d])(?:(?:\+|00)?86{_SEP}|\(\+?86\){_SEP})?(1[3-9]\d(?:{_SEP}\d){{8}})(?!\d)"
)
LANDLINE: Final = re.compile(r"(?<![\d])(\(0\d{2,3}\)|0\d{2,3})[ \-.]?\d{7,8}(?!\d)")
_CJK: Final = "\u4e00-\u9fff"
_UNIT: Final = r"\d+\s*(?:号楼|號樓|栋|棟|幢|座|单元|單元|层|層|楼|樓|室|号|號|户|戶)"
ROAD_ADDRESS: Final = re.compile(
    rf"[{_CJK}A-Za-z0-9]{{0,30}}(?:路|街|大道|巷|弄|胡同)\s*\d+\s*(?:-\s*\d+\s*)?[号號]"
    rf"(?:[{_CJK}A-Za-z0-9\-]{{0,12}}?{_UNIT})*"
)
ESTATE_ADDRESS: Final = re.compile(
    rf"[{_CJK}A-Za-z0-9]{{0,30}}(?:小区|小區|花园|花園|公寓|大厦|大廈|苑|家园|家園|新村|广场|廣場)"
    rf"\s*(?:{_UNIT}\s*)+"
)
CREDENTIAL: Final = re.compile(r"(?<![A-Za-z0-9_])(sig|token|anon|t|v1)=[^&\s\"',;]+")
ADDRESS_MASK: Final = "[地址]"


def _mask_mobile(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(1))
    return f"{digits[:3]}****{digits[-4:]}"


def _mask_landline(match: re.Match[str]) -> str:
    return f"{match.group(1)}****"


def mask_text(text: str) -> str:
    """``text`` with phone numbers, addresses and URL credentials masked (see the module)."""
    text = unicodedata.normalize("NFKC", text)
    text = CREDENTIAL.sub(r"\1=***", text)
    text = MOBILE.sub(_mask_mobile, text)
    text = LANDLINE.sub(_mask_landline, text)
    text = ROAD_ADDRESS.sub(ADDRESS_MASK, text)
    return ESTATE_ADDRESS.sub(ADDRESS_MASK, text)


_STANDARD_FIELDS: Final = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None)))


def mask_record(record: logging.LogRecord) -> None:
    """Mask a record in place: its message (arguments merged in), traceback and extras."""
    try:
        message = record.getMessage()
    except Exception:  # a malformed format string: keep the template, drop the arguments
        message = str(record.msg)
    record.msg = mask_text(message)
    record.args = None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask_text(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)
    for name, value in list(vars(record).items()):
        if name not in _STANDARD_FIELDS and isinstance(value, str):
            setattr(record, name, mask_text(value))


class PersonalDataFilter(logging.Filter):
    """Masks each record that passes (see :func:`mask_record`); never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


_installed: dict[str, Any] = {}


def install_log_masking() -> None:
    """Mask every log record of this process from now on (idempotent)."""
    if "factory" not in _installed:
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            mask_record(record)
            return record

        _installed["factory"] = factory
        logging.setLogRecordFactory(factory)
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            if not any(isinstance(f, PersonalDataFilter) for f in handler.filters):
                handler.addFilter(PersonalDataFilter())
