"""The report as plain-text tables for the terminal (``python -m handoff report``)."""

from __future__ import annotations

from typing import Any

from handoff.reporting.compute import CATEGORY_ZH, URGENCY_ZH
from handoff.table import render_table


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _num(value: float | None, unit: str = "") -> str:
    return "-" if value is None else f"{value:g}{unit}"


def render_report_text(report: dict[str, Any]) -> str:
    """Headline numbers, compliance, categories, products and agents as tables."""
    span = report["range"]
    lines = [f"投诉处理报告 {span['from']} 至 {span['to']}（{span['days']} 天，UTC+8）", ""]
    csat, handoff = report["csat"], report["handoff"]
    lines.append(
        f"工单 {report['cases']} 件；转人工率 {_pct(handoff['rate'])}；"
        f"满意度 {_num(csat['average'])}（{csat['responses']} 份评价，参评率 "
        f"{_pct(csat['response_rate'])}）"
    )
    lines.append("")
    rows = []
    for key, name in (("first_response", "首次响应"), ("resolution", "解决")):
        part = report[key]
        rows.append(
            [
                name,
                str(part["met"]),
                str(part["breached"]),
                str(part["pending"]),
                _pct(part["compliance_rate"]),
                _num(part["p50_minutes"], " 分钟"),
                _num(part["p90_minutes"], " 分钟"),
            ]
        )
    lines.append(render_table(["时限", "达标", "超时", "进行中", "达标率", "P50", "P90"], rows))
    lines.append("")
    lines.append(
        render_table(
            ["类别", "工单"],
            [[CATEGORY_ZH[c], str(n)] for c, n in report["by_category"].items()]
            + [[URGENCY_ZH[u], str(n)] for u, n in report["by_urgency"].items()],
        )
    )
    lines.append("")
    lines.append(
        render_table(
            ["商品", "工单", "紧急"],
            [[p["product"], str(p["cases"]), str(p["urgent"])] for p in report["by_product"][:10]],
        )
    )
    lines.append("")
    lines.append(
        render_table(
            ["客服", "处理", "已解决", "首响 P50", "满意度"],
            [
                [
                    a["display_name"],
                    str(a["handled"]),
                    str(a["resolved"]),
                    _num(a["first_response_p50_minutes"], " 分钟"),
                    _num(a["csat_average"]),
                ]
                for a in report["agents"]
            ],
        )
    )
    return "\n".join(lines)
