"""One real trainer round on the recent-traffic slice: traffic → inbox → labels → retrain → compare.

A real gateway (the live triage model of this checkout, copied to a temporary model root so
nothing here changes ``models/triage``) screens shopper messages sent over the widget's
WebSocket. The ones it is unsure about enter the inbox; a trainer's labels (``TRUTH`` below,
written for this script) are applied through the 训练 API, exported into a temporary copy of
``nlu_data``, and a candidate is retrained and compared with the live model. Prints the inbox
size, the slice size and the before/after table of the recent-traffic slice and the held-out
files. Minutes (a full retraining).

    .venv/bin/python bench/review_round.py
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from trainer_stack import ROOT, environment, trainer_gateway, wait_for_job

# What shoppers wrote (our own wording, in the styles real chats have) and the right labels.
TRUTH: dict[str, tuple[str, str, str | None]] = {
    "东西到了但是盒子瘪了一块，里面的杯子有裂痕": ("logistics", "normal", None),
    "这个面膜敷完脸有点刺刺的，是不是正常": ("quality", "normal", None),
    "退货的运费谁出啊": ("after_sales", "normal", None),
    "我想问下你们家有没有发票": ("after_sales", "normal", None),
    "买了两件只到了一件": ("logistics", "normal", None),
    "吹风机用着用着有股焦味": ("quality", "normal", None),
    "说好的赠品没有给我": ("logistics", "normal", None),
    "价格刚买完就降了五十，能补差价吗": ("other", "normal", None),
    "客服半天不回消息": ("after_sales", "normal", None),
    "鞋子尺码偏小，能换大一码吗": ("quality", "normal", None),
    "快递放驿站了我不知道，现在被退回去了": ("logistics", "normal", None),
    "会员积分怎么没到账": ("other", "normal", None),
    "衣服洗了一次就掉色掉得厉害": ("quality", "normal", None),
    "申请售后被拒绝了，理由是人为损坏，我根本没摔过": ("after_sales", "normal", None),
    "我没下单怎么扣了我钱": ("other", "urgent", "fraud_security"),
    "上周就说给我处理，到现在没人理，第三次问了": ("after_sales", "urgent", "repeated_failure"),
    "宝宝用了你们的湿巾屁股红了一大片": ("quality", "urgent", "safety_health"),
    "再不给我解决我就去消协投诉": ("after_sales", "urgent", "external_threat"),
    "冰箱送来的时候门是歪的": ("logistics", "normal", None),
    "这个充电线插上手机没反应": ("quality", "normal", None),
    "地址写错了能改吗，还没发货": ("logistics", "normal", None),
    "优惠券过期了能不能补一张": ("other", "normal", None),
    "耳机盒子是拆过的，像是二手的": ("quality", "normal", None),
    "退款退到哪里去了，我卡上没看到": ("after_sales", "normal", None),
    "物流一直显示揽收，三天了": ("logistics", "normal", None),
    "手表表带断了，才戴一周": ("quality", "normal", None),
    "怎么一直打电话推销给我": ("other", "normal", None),
    "安装师傅约了两次都没来": ("after_sales", "normal", None),
    "买的活虾到了全死了": ("logistics", "urgent", "large_loss"),
    "有人冒充你们客服让我转账": ("other", "urgent", "fraud_security"),
    "保温杯不保温，倒进去热水一会儿就凉了": ("quality", "normal", None),
    "下单时候选错颜色了，能换吗": ("after_sales", "normal", None),
    "快递员把包裹放门口被人拿走了": ("logistics", "normal", None),
    "账号登不上去了": ("other", "normal", None),
    "收到的零食包装袋漏气了": ("quality", "normal", None),
    "维修寄回去一个月了还没修好": ("after_sales", "urgent", "repeated_failure"),
    "这个价格和页面上写的不一样": ("other", "normal", None),
    "床垫有很重的味道，睡了头疼": ("quality", "normal", None),
    "说是次日达结果五天才到": ("logistics", "normal", None),
    "能不能开专票": ("after_sales", "normal", None),
    # Vaguer turns, several problems at once, typos and chat habits (written for this script).
    "那个我买的东西好像不太对啊": ("quality", "normal", None),
    "到底啥时候发货啊都一周了": ("logistics", "normal", None),
    "我的钱呢？？？": ("after_sales", "normal", None),
    "收到了 但是和图片完全两个东西": ("quality", "normal", None),
    "东西坏了快递盒子也烂了，你们看着办": ("logistics", "normal", None),
    "退款显示成功了，银行说没收到": ("after_sales", "normal", None),
    "你们这个活动规则到底怎么算的": ("other", "normal", None),
    "我就想问问能不能便宜点": ("other", "normal", None),
    "包裹显示签收了 我没收到啊": ("logistics", "normal", None),
    "这衣服穿一次就开线了 什么破质量": ("quality", "normal", None),
    "申请退货三次都被驳回了，到底要我怎样": ("after_sales", "urgent", "repeated_failure"),
    "孩子把零件吞下去了怎么办": ("quality", "urgent", "safety_health"),
    "充电宝充着充着鼓起来了还发烫": ("quality", "urgent", "safety_health"),
    "我账号被别人登录了还下了单": ("other", "urgent", "fraud_security"),
    "你们再这样我就发抖音曝光": ("after_sales", "urgent", "external_threat"),
    "等了半个月的药还没到，我妈等着吃": ("logistics", "urgent", "large_loss"),
    "三千多的手机寄丢了": ("logistics", "urgent", "large_loss"),
    "快递小哥直接扔楼下了，东西摔坏了": ("logistics", "normal", None),
    "颜色有色差，跟详情页不一样": ("quality", "normal", None),
    "尺码表写的L，实际跟M一样": ("quality", "normal", None),
    "怎么又给我发错了，我要的是黑色": ("logistics", "normal", None),
    "少发了一个配件": ("logistics", "normal", None),
    "退货地址在哪": ("after_sales", "normal", None),
    "换货的单号我填了，你们收到没": ("after_sales", "normal", None),
    "维修好了没有，说好三天": ("after_sales", "normal", None),
    "发票抬头开错了能重开吗": ("after_sales", "normal", None),
    "我付了两次钱": ("other", "normal", None),
    "优惠券领了用不了": ("other", "normal", None),
    "满减没减啊": ("other", "normal", None),
    "昨天买的今天降价了，能价保吗": ("other", "normal", None),
    "一直收到你们的推销短信，烦死了": ("other", "normal", None),
    "登录一直提示密码错误": ("other", "normal", None),
    "东西还行就是物流太慢了": ("logistics", "normal", None),
    "吃的东西过期了还卖": ("quality", "normal", None),
    "奶粉罐子里有黑点": ("quality", "urgent", "safety_health"),
    "用了你们的洗发水头皮过敏起疹子了": ("quality", "urgent", "safety_health"),
    "插座插上就冒火花": ("quality", "urgent", "safety_health"),
    "客服态度太差了，说两句就不理人": ("after_sales", "normal", None),
    "没人处理吗？？找了好几次了": ("after_sales", "urgent", "repeated_failure"),
    "说好的上门安装拖了一个礼拜": ("after_sales", "normal", None),
    "退款被扣了十块钱手续费是什么意思": ("after_sales", "normal", None),
    "我要取消订单": ("after_sales", "normal", None),
    "能改一下收货地址吗": ("logistics", "normal", None),
    "能不能周末再送": ("logistics", "normal", None),
    "快递一直not updated 啥情况": ("logistics", "normal", None),
    "收到的貨有問題，螢幕有一條線": ("quality", "normal", None),
    "物流資訊三天沒更新了": ("logistics", "normal", None),
    "退款什麼時候到帳": ("after_sales", "normal", None),
    "箱子一打开全是碎玻璃": ("logistics", "normal", None),
    "蛋糕送到的时候已经化了": ("logistics", "normal", None),
    "鲜花到的时候都蔫了": ("logistics", "normal", None),
    "这是假货吧，logo都是歪的": ("quality", "normal", None),
    "鞋底开胶了，穿了不到一个月": ("quality", "normal", None),
    "电脑开机就蓝屏": ("quality", "normal", None),
    "洗衣机转起来声音特别大": ("quality", "normal", None),
    "空调装好了不制冷": ("quality", "normal", None),
    "有人打电话说是你们客服要我退款给他验证码": ("other", "urgent", "fraud_security"),
    "我的收货信息被泄露了，天天有骗子打电话": ("other", "urgent", "fraud_security"),
    "再不处理我就找律师了": ("after_sales", "urgent", "external_threat"),
    "已经打了12315": ("after_sales", "urgent", "external_threat"),
    "拍错了，能退吗没拆": ("after_sales", "normal", None),
    "7天无理由还能退吗": ("after_sales", "normal", None),
    "这个退货运费险怎么用": ("after_sales", "normal", None),
    "赠品是坏的": ("quality", "normal", None),
    "说是全新的，结果有使用痕迹": ("quality", "normal", None),
    "说明书是英文的看不懂，没有中文的吗": ("quality", "normal", None),
    "快递员要我去很远的地方自己取": ("logistics", "normal", None),
    "订单一直显示待发货": ("logistics", "normal", None),
    "预售说十天发，现在一个月了": ("logistics", "urgent", "repeated_failure"),
    "买的是两斤，称了只有一斤半": ("quality", "normal", None),
    "水果一半是烂的": ("quality", "normal", None),
    "寄来的活鱼死了一半": ("logistics", "urgent", "large_loss"),
    "充值的话费没到账": ("other", "normal", None),
    "花呗付款失败但是扣钱了": ("other", "normal", None),
    "积分兑换的东西一直不发": ("logistics", "normal", None),
    "会员自动续费了我没同意": ("other", "normal", None),
    "订单被莫名其妙取消了": ("other", "normal", None),
    "包装很简陋，瓶子漏了一半": ("logistics", "normal", None),
    "眼霜用了眼睛红肿": ("quality", "urgent", "safety_health"),
    "组装的时候发现少了两颗螺丝": ("logistics", "normal", None),
    "桌子腿是歪的，放不平": ("quality", "normal", None),
    "保修期内修要收费？": ("after_sales", "normal", None),
    "退回去的货你们说没收到，快递明明签收了": ("after_sales", "normal", None),
    "我已经等了一个月了，这是第四次来问": ("after_sales", "urgent", "repeated_failure"),
    "不想活了，什么都不顺": ("other", "urgent", "severe_distress"),
}


async def send_all(base: str, secret: str) -> None:
    """Each message from its own signed shopper, as the widget sends it (protocol 2)."""
    import aiohttp

    from handoff.gateway.identity import sign_shopper

    async with aiohttp.ClientSession() as http:
        for number, text in enumerate(TRUTH):
            shopper = f"round-{number}"
            signature = sign_shopper(secret.encode(), shopper, int(time.time()) + 3600)
            async with http.ws_connect(f"{base.replace('http', 'ws')}/ws?v=2") as ws:
                hello = {"type": "hello", "shopper": shopper, "sig": signature, "anon": ""}
                await ws.send_json(hello | {"after": 0})
                await ws.send_json({"type": "message", "client_id": "m1", "text": text})
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    frame = await ws.receive_json(timeout=60)
                    if frame.get("type") == "ack":
                        break
            await asyncio.sleep(0.2)


def main() -> int:
    live = (ROOT / "models" / "triage" / "latest").resolve()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        models = folder / "models"
        models.mkdir()
        shutil.copytree(live, models / live.name)
        (models / "latest").symlink_to(live.name)
        nlu = folder / "nlu_data"
        shutil.copytree(ROOT / "nlu_data", nlu)
        secret = "review-round"
        env = environment(
            DATABASE_URL=f"sqlite:///{folder / 'shop.db'}",
            TRIAGE_MODEL_ROOT=str(models),
            NLU_DATA_DIR=str(nlu),
            HANDOFF_SECRET=secret,
            HANDOFF_HARVEST_SECONDS="0",
            RASA_URL="http://127.0.0.1:9",  # screening needs no assistant
        )
        with trainer_gateway(env, folder, folder / "gateway.log") as client:
            asyncio.run(send_all(client.base, secret))
            items = client.call("GET", "/agent/api/training/items?kind=triage")["items"]
            labelled = 0
            for item in items:
                truth = TRUTH.get(item["text"])
                if truth is None:
                    continue
                category, urgency, trigger = truth
                label = {"category": category, "urgency": urgency, "trigger": trigger}
                client.call(
                    "POST", f"/agent/api/training/items/{item['id']}/relabel", {"label": label}
                )
                labelled += 1
            exported = client.call("POST", "/agent/api/training/export", {})
            started = time.perf_counter()
            job = wait_for_job(
                client, client.call("POST", "/agent/api/training/retrain", {})["job_id"], 1
            )
            if job["status"] != "succeeded":
                print(job, file=sys.stderr)
                return 1
            version = job["candidate_version"]
            result = client.call("GET", f"/agent/api/training/models/triage/{version}/comparison")
    print(f"messages sent: {len(TRUTH)}; in the inbox (unsure): {len(items)}; labelled: {labelled}")
    print(f"exported complaints: {exported['triage_examples']}; held back: {exported['held_back']}")
    seconds = time.perf_counter() - started
    print(f"retrained in {seconds:.0f} s; live {result['live_version']} → {version}")
    for name, data in result["sets"].items():
        before, after = data["before"], data["after"]
        if not after:
            print(f"\n{name}: empty")
            continue
        print(f"\n{name} ({data['size']} messages)")
        print(f"  {'class':<12}{'F1 before':>10}{'F1 after':>10}{'support':>9}")
        for cls, scores in after["per_class"].items():
            old = before["per_class"][cls]["f1"]
            print(f"  {cls:<12}{old:>10.3f}{scores['f1']:>10.3f}{scores['support']:>9}")
        print(f"  {'macro-F1':<12}{before['macro_f1']:>10.3f}{after['macro_f1']:>10.3f}")
        print(f"  accuracy {before['accuracy']:.3f} → {after['accuracy']:.3f}; urgent recall "
              f"{before['urgent_recall']:.3f} → {after['urgent_recall']:.3f}")  # fmt: skip
        print(f"  changed: {json.dumps(data['changed_counts'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
