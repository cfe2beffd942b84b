"""Label names from ../shared/triage-labels.md, in one place so every module agrees."""

from typing import Final

CATEGORIES: Final = ("quality", "logistics", "after_sales", "other")
URGENCIES: Final = ("urgent", "normal")

#: The six urgency triggers of the labels guide, in the guide's order.
TRIGGERS: Final = (
    "safety_health",
    "external_threat",
    "fraud_security",
    "repeated_failure",
    "large_loss",
    "severe_distress",
)

#: Short names some writers use for the triggers (the labels guide names them in words only);
#: the loader reads them as the canonical names above.
TRIGGER_ALIASES: Final = {
    "safety": "safety_health",
    "health": "safety_health",
    "outside_threat": "external_threat",
    "external": "external_threat",
    "threat": "external_threat",
    "fraud": "fraud_security",
    "security": "fraud_security",
    "repeated": "repeated_failure",
    "loss": "large_loss",
    "time_critical": "large_loss",
    "distress": "severe_distress",
}

#: The "no trigger" class of the urgency model.
NO_TRIGGER: Final = "none"

CATEGORY_NAMES_ZH: Final = {
    "quality": "商品质量",
    "logistics": "物流配送",
    "after_sales": "售后服务",
    "other": "其他",
}

TRIGGER_NAMES_ZH: Final = {
    "safety_health": "人身安全或健康",
    "external_threat": "表示将向外部投诉或求助",
    "fraud_security": "欺诈或账户安全",
    "repeated_failure": "多次反映仍未解决",
    "large_loss": "重大损失或时间紧迫",
    "severe_distress": "情绪极度激动",
}
