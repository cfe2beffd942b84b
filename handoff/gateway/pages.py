"""The three HTML pages: demo storefront, console login, console.

Server-side values are escaped with :func:`html.escape`; everything a shopper or agent types
is put into the DOM by the scripts with ``textContent`` only.
"""

from __future__ import annotations

from html import escape
from typing import Final

from handoff.gateway.service import AgentRef

PRODUCTS: Final = (
    ("美的 4L 智能电饭煲 MB-FB40", "¥299.00"),
    ("华为 FreeBuds 5i 蓝牙耳机 陶瓷白", "¥449.00"),
    ("碎花雪纺连衣裙 M码 雾霾蓝", "¥189.00"),
    ("小米充电宝 20000mAh", "¥129.00"),
)


def storefront_page(shopper_id: str, signature: str) -> str:
    """The demo shop: a few products, a signed-in shopper, and the one-line widget embed."""
    cards = "\n".join(
        f'<li class="product"><div class="ph">🛍️</div><h3>{escape(name)}</h3>'
        f'<p class="price">{escape(price)}</p></li>'
        for name, price in PRODUCTS
    )
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>小二优选 · 演示商城</title>
<style>
body{{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;background:#f6f6f6}}
header{{background:#ff5000;color:#fff;padding:12px 24px;display:flex;justify-content:space-between}}
ul{{list-style:none;display:flex;flex-wrap:wrap;gap:16px;padding:24px;margin:0}}
.product{{background:#fff;border-radius:8px;padding:16px;width:200px}}
.ph{{font-size:64px;text-align:center}} .price{{color:#ff5000;font-weight:bold}}
</style></head><body>
<header><strong>小二优选</strong><span>您好，{escape(shopper_id)}（已登录）</span></header>
<ul>{cards}</ul>
<script src="/static/widget.js" data-shopper="{escape(shopper_id)}"
  data-sig="{escape(signature)}" defer></script>
</body></html>"""


def login_page(error: str = "") -> str:
    """The console's login form."""
    message = f'<p class="error">{escape(error)}</p>' if error else ""
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>客服工作台 · 登录</title>
<link rel="stylesheet" href="/static/console.css"></head>
<body class="login"><form method="post" action="/agent/login">
<h1>客服工作台</h1>{message}
<label>用户名 <input name="name" autocomplete="username" required></label>
<label>密码 <input name="password" type="password" autocomplete="current-password" required>
</label><button type="submit">登录</button></form></body></html>"""


def console_page(agent: AgentRef) -> str:
    """The console shell; ``console.js`` fills it."""
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>客服工作台</title>
<link rel="stylesheet" href="/static/console.css"></head>
<body data-agent="{escape(agent.name)}" data-agent-name="{escape(agent.display_name)}">
<header><strong>客服工作台</strong>
<span>{escape(agent.display_name)}（{escape(agent.name)}）</span>
<span id="online"></span>
<form method="post" action="/agent/logout"><button type="submit">退出登录</button></form>
</header>
<main><section id="queue"><h2>排队中</h2><ol id="waiting"></ol><h2>处理中</h2>
<ol id="claimed"></ol></section>
<section id="conversation" hidden></section></main>
<script src="/static/console.js" defer></script></body></html>"""
