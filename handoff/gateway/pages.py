"""The server-side HTML pages: demo storefront and the console's login (the console itself is
the built Vue app, see :mod:`handoff.gateway.console_files`).

Server-side values are escaped with :func:`html.escape`; everything a shopper or agent types
is put into the DOM by the scripts with ``textContent`` only.
"""

from __future__ import annotations

from html import escape
from typing import Final

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


_LOGIN_STYLE: Final = """
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;
font-family:system-ui,"PingFang SC","Microsoft YaHei","WenQuanYi Zen Hei",sans-serif;
background:linear-gradient(135deg,#1d4ed8 0%,#0f766e 100%);color:#1f2937}
.card{width:min(380px,92vw);background:#fff;border-radius:12px;padding:36px 32px 28px;
box-shadow:0 20px 50px rgba(15,23,42,.25)}
.brand{display:flex;align-items:center;gap:10px;margin-bottom:6px}
.logo{width:36px;height:36px;border-radius:8px;background:#1d4ed8;color:#fff;display:flex;
align-items:center;justify-content:center;font-weight:700}
h1{font-size:20px;margin:0}
.sub{color:#6b7280;font-size:13px;margin:0 0 22px}
label{display:block;font-size:13px;color:#374151;margin:14px 0 6px}
input{width:100%;height:40px;border:1px solid #d1d5db;border-radius:6px;padding:0 12px;
font-size:15px}
input:focus{outline:none;border-color:#1d4ed8;box-shadow:0 0 0 3px rgba(29,78,216,.15)}
button{width:100%;height:42px;margin-top:24px;border:0;border-radius:6px;background:#1d4ed8;
color:#fff;font-size:15px;cursor:pointer}
button:hover{background:#1e40af}
.error{background:#fef2f2;color:#b91c1c;border:1px solid #fecaca;border-radius:6px;
padding:8px 12px;font-size:13px;margin:0 0 8px}
.foot{color:#9ca3af;font-size:12px;text-align:center;margin-top:18px}
"""


def login_page(error: str = "", *, name: str = "") -> str:
    """The console's login form: styled, in Chinese, errors shown in place."""
    message = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>客服工作台 · 登录</title><style>{_LOGIN_STYLE}</style></head>
<body><form class="card" method="post" action="/agent/login">
<div class="brand"><div class="logo">店</div><h1>店小二 · 客服工作台</h1></div>
<p class="sub">请使用客服账号登录</p>{message}
<label for="name">用户名</label>
<input id="name" name="name" autocomplete="username" value="{escape(name)}" required autofocus>
<label for="password">密码</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">登录</button>
<p class="foot">登录即表示您会保护顾客隐私，不外传订单与联系方式</p>
</form></body></html>"""
