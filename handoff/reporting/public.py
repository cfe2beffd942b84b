# ruff: noqa: E501 - an HTML template reads best with its lines whole
"""The public monthly complaint-handling report (定期发布投诉处理报告), as printable HTML.

Anonymised by construction: it is rendered from aggregates only — counts, shares, times,
ratings, and the incidents' titles, summaries and improvements. No case numbers, shoppers,
orders or complaint texts are passed to it, so none can leak. The page prints to A4 (the
browser's "Save as PDF" makes the PDF).
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from html import escape
from typing import Any

from handoff.clock import CHINA_TZ, as_utc
from handoff.reporting.compute import CATEGORY_ZH, ReportRange


def month_range(month: str, now: datetime) -> ReportRange:
    """The China-date range of ``YYYY-MM`` (up to today for the current month)."""
    year_text, _, month_text = month.partition("-")
    if not (year_text.isdigit() and month_text.isdigit() and len(year_text) == 4):
        raise ValueError("month must look like 2026-11")
    year, number = int(year_text), int(month_text)
    if not 1 <= number <= 12:
        raise ValueError("month must look like 2026-11")
    first = date(year, number, 1)
    last = date(year, number, calendar.monthrange(year, number)[1])
    today = as_utc(now).astimezone(CHINA_TZ).date()
    if first > today:
        raise ValueError("that month has not started yet")
    return ReportRange(first, min(last, today), as_utc(now))


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _duration(minutes: float | None) -> str:
    if minutes is None:
        return "—"
    if minutes < 60:
        return f"{minutes:.0f} 分钟"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} 小时"
    return f"{minutes / 1440:.1f} 天"


def render_public_report(report: dict[str, Any], month: str) -> str:
    """The HTML page of one month's report (aggregates of ``build_report`` only)."""
    year, number = month.split("-")
    total = report["cases"] or 0
    category_rows = "".join(
        f"<tr><td>{escape(CATEGORY_ZH.get(c, c))}</td><td>{n}</td>"
        f"<td>{_pct(n / total if total else None)}</td></tr>"
        for c, n in report["by_category"].items()
    )
    first, resolution, csat = report["first_response"], report["resolution"], report["csat"]
    problems = "".join(
        f"<li>{escape(CATEGORY_ZH.get(c, c))}："
        + "、".join(escape(p["phrase"]) for p in items[:3])
        + "</li>"
        for c, items in report["top_problems"].items()
        if items
    )
    incidents = "".join(
        f"<section class='incident'><h3>{escape(i['title'])}</h3>"
        f"<p>{escape(i['summary'] or '处理中')}</p>"
        + (
            "<ul>" + "".join(f"<li>{escape(x)}</li>" for x in i["improvements"]) + "</ul>"
            if i["improvements"]
            else ""
        )
        + "</section>"
        for i in report["incidents"]
    )
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{year} 年 {int(number)} 月投诉处理报告</title>
<style>
body {{ font-family: "PingFang SC", "Microsoft YaHei", "WenQuanYi Zen Hei", sans-serif;
  max-width: 820px; margin: 24px auto; padding: 0 16px; color: #222; line-height: 1.6; }}
h1 {{ font-size: 24px; margin-bottom: 4px; }} h2 {{ font-size: 18px; margin-top: 28px;
  border-bottom: 1px solid #ddd; padding-bottom: 4px; }} h3 {{ font-size: 15px; margin: 10px 0 4px; }}
.lead {{ color: #666; }} table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border: 1px solid #ddd; padding: 6px 10px; text-align: left; }} th {{ background: #f5f7fa; }}
.figures {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; }}
.figure {{ border: 1px solid #e4e7ed; border-radius: 6px; padding: 10px; }}
.figure b {{ display: block; font-size: 22px; }} .incident {{ margin-bottom: 12px; }}
.print {{ margin: 12px 0; }} @media print {{ .print {{ display: none; }} body {{ margin: 0; }} }}
@page {{ size: A4; margin: 18mm; }}
</style></head><body>
<h1>{year} 年 {int(number)} 月投诉处理报告</h1>
<p class="lead">统计期间：{report["range"]["from"]} 至 {report["range"]["to"]}（北京时间）。
本报告只包含汇总数据，不含任何顾客的个人信息或投诉原文。</p>
<p class="print"><button onclick="window.print()">打印 / 保存为 PDF</button></p>
<div class="figures">
<div class="figure">投诉总量<b>{total}</b></div>
<div class="figure">首次响应达标率<b>{_pct(first["compliance_rate"])}</b></div>
<div class="figure">首次响应时间（中位数）<b>{_duration(first["p50_minutes"])}</b></div>
<div class="figure">解决时间（中位数）<b>{_duration(resolution["p50_minutes"])}</b></div>
<div class="figure">解决达标率<b>{_pct(resolution["compliance_rate"])}</b></div>
<div class="figure">顾客满意度<b>{csat["average"] if csat["average"] is not None else "—"} / 5</b></div>
</div>
<h2>投诉类别</h2>
<table><tr><th>类别</th><th>数量</th><th>占比</th></tr>{category_rows}</table>
<h2>响应与解决</h2>
<table><tr><th></th><th>按时</th><th>超时</th><th>处理中</th><th>中位数</th><th>90% 在此之内</th></tr>
<tr><td>首次响应</td><td>{first["met"]}</td><td>{first["breached"]}</td><td>{first["pending"]}</td>
<td>{_duration(first["p50_minutes"])}</td><td>{_duration(first["p90_minutes"])}</td></tr>
<tr><td>解决</td><td>{resolution["met"]}</td><td>{resolution["breached"]}</td>
<td>{resolution["pending"]}</td><td>{_duration(resolution["p50_minutes"])}</td>
<td>{_duration(resolution["p90_minutes"])}</td></tr></table>
<h2>顾客评价</h2>
<p>共收到 {csat["responses"]} 份评价，参评率 {_pct(csat["response_rate"])}，平均 {csat["average"] or "—"} 分（5 分制）。</p>
<h2>主要问题</h2><ul>{problems or "<li>本月没有足够的投诉可以归纳。</li>"}</ul>
<h2>重大事件与改进措施</h2>
{incidents or "<p>本月没有启动应急预案。</p>"}
</body></html>"""
