# ruff: noqa: E501 - a data table reads best one order per line
"""The demo shop's orders, written by hand to look like a real mainland shop's order list.

Most belong to ``demo-shopper``, the shopper id of a demo conversation, so the assistant
finds them; a few belong to other shoppers so that tests and demos show isolation. Order
numbers mostly start with the order date (yyyymmdd), like many shop systems; two are
19-digit marketplace numbers. Times are China time, as a shop shows them.
"""

from __future__ import annotations

from typing import Final, NamedTuple


class DemoOrder(NamedTuple):
    order_id: str
    shopper_id: str
    product: str
    amount_yuan: str
    status: str
    ordered_at_china: str  # "YYYY-MM-DD HH:MM", UTC+8


DEMO_SHOPPER: Final = "demo-shopper"

# fmt: off
DEMO_ORDERS: Final[tuple[DemoOrder, ...]] = (
    DemoOrder("2024112212345678", DEMO_SHOPPER, "美的 4L 智能电饭煲 MB-FB40", "299.00", "已签收", "2024-11-22 09:12"),
    DemoOrder("2024111809876543", DEMO_SHOPPER, "华为 FreeBuds 5i 蓝牙耳机 陶瓷白", "449.00", "已签收", "2024-11-18 21:40"),
    DemoOrder("2024112003456789", DEMO_SHOPPER, "碎花雪纺连衣裙 M码 雾霾蓝", "189.00", "运输中", "2024-11-20 13:05"),
    DemoOrder("2024111500112233", DEMO_SHOPPER, "飞鹤 星飞帆 3段 婴幼儿配方奶粉 700g×2罐", "538.00", "已完成", "2024-11-15 08:30"),
    DemoOrder("2024112100223344", DEMO_SHOPPER, "Apple iPhone 15 128GB 黑色", "5999.00", "运输中", "2024-11-21 10:02"),
    DemoOrder("2024111900334455", DEMO_SHOPPER, "阳澄湖大闸蟹 公4.0两 母3.0两 8只礼盒", "398.00", "已签收", "2024-11-19 19:48"),
    DemoOrder("2024112200445566", DEMO_SHOPPER, "小米 米家扫拖机器人 2", "1299.00", "待发货", "2024-11-22 11:37"),
    DemoOrder("2024111000556677", DEMO_SHOPPER, "南极人 纯棉四件套 1.8m床", "159.00", "已完成", "2024-11-10 00:15"),
    DemoOrder("2024110800667788", DEMO_SHOPPER, "三只松鼠 坚果大礼包 1.5kg", "99.90", "已完成", "2024-11-08 20:20"),
    DemoOrder("2024111700778899", DEMO_SHOPPER, "安踏 男子缓震跑步鞋 42码", "329.00", "退款中", "2024-11-17 15:51"),
    DemoOrder("2024112000889900", DEMO_SHOPPER, "罗技 MX Master 3S 无线鼠标", "699.00", "已签收", "2024-11-20 09:44"),
    DemoOrder("2024111600990011", DEMO_SHOPPER, "雅诗兰黛 特润修护肌活精华露 50ml", "690.00", "已签收", "2024-11-16 22:03"),
    DemoOrder("2024112101020304", DEMO_SHOPPER, "九阳 破壁豆浆机 D2", "459.00", "运输中", "2024-11-21 07:58"),
    DemoOrder("2024111401122334", DEMO_SHOPPER, "公牛 20000mAh 快充充电宝", "129.00", "已签收", "2024-11-14 12:26"),
    DemoOrder("2024110502233445", DEMO_SHOPPER, "联想 小新 Pro 14 笔记本电脑 32G+1T", "5299.00", "已完成", "2024-11-05 16:10"),
    DemoOrder("2024112203344556", DEMO_SHOPPER, "农夫山泉 饮用天然水 550ml×24瓶", "29.90", "待发货", "2024-11-22 08:01"),
    DemoOrder("2024111903344557", DEMO_SHOPPER, "百草味 芒果干 500g", "35.80", "已签收", "2024-11-19 23:17"),
    DemoOrder("2024111304455667", DEMO_SHOPPER, "海尔 10公斤 滚筒洗衣机 EG100MATE", "2399.00", "已签收", "2024-11-13 14:33"),
    DemoOrder("2024112005566778", DEMO_SHOPPER, "优衣库 摇粒绒外套 L 藏青", "199.00", "退款中", "2024-11-20 18:29"),
    DemoOrder("2024110906677889", DEMO_SHOPPER, "帮宝适 一级帮 纸尿裤 L码 120片", "259.00", "已完成", "2024-11-09 10:47"),
    DemoOrder("2024112107788990", DEMO_SHOPPER, "戴森 V12 Detect Slim 无线吸尘器", "3990.00", "待发货", "2024-11-21 20:55"),
    DemoOrder("2024112208899001", DEMO_SHOPPER, "999 感冒灵颗粒 10g×9袋 ×3盒", "47.70", "运输中", "2024-11-22 06:40"),
    DemoOrder("2024112209900112", DEMO_SHOPPER, "鲜活波士顿龙虾 约600g 顺丰冷链", "268.00", "运输中", "2024-11-22 10:18"),
    DemoOrder("2024111510101010", DEMO_SHOPPER, "李宁 羽毛球拍 雷霆80 单拍", "1099.00", "已签收", "2024-11-15 13:13"),
    DemoOrder("4027718839201556612", DEMO_SHOPPER, "得力 A4 复印纸 70g 500张×5包", "118.00", "已完成", "2024-11-03 09:00"),
    DemoOrder("2024111810011001", "shopper-1001", "OPPO Reno12 手机 12G+256G", "2699.00", "已签收", "2024-11-18 11:11"),
    DemoOrder("2024112010011002", "shopper-1001", "蓝月亮 深层洁净洗衣液 3kg", "49.90", "已完成", "2024-11-20 17:36"),
    DemoOrder("2024111910021001", "shopper-1002", "苏泊尔 不粘炒锅 32cm", "199.00", "运输中", "2024-11-19 08:25"),
    DemoOrder("2024112110021002", "shopper-1002", "良品铺子 肉松饼 1kg", "39.90", "待发货", "2024-11-21 21:08"),
    DemoOrder("2024111510031001", "shopper-1003", "森马 直筒牛仔裤 30码", "139.00", "退款中", "2024-11-15 19:59"),
    DemoOrder("2024111610041001", "shopper-1004", "惠氏 启赋 3段 婴幼儿配方奶粉 800g", "358.00", "已完成", "2024-11-16 07:12"),
    DemoOrder("2024112010051001", "shopper-1005", "格力 1.5匹 变频冷暖空调 挂机", "2899.00", "待发货", "2024-11-20 15:42"),
    DemoOrder("3859201746583920174", "shopper-1006", "小熊 电热饭盒 双层", "129.00", "已签收", "2024-11-12 12:00"),
    DemoOrder("2024112210071001", "shopper-1007", "阳澄湖大闸蟹 公4.5两 母3.5两 10只礼盒", "688.00", "运输中", "2024-11-22 14:20"),
)
# fmt: on
