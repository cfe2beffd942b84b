# ruff: noqa: E501 - data tables read best one entry per line
"""What the demo history is made of: products, agents, and how shoppers word their problems.

Written by hand to read like a mainland shop's complaints. Each product has a kind that
decides which problems it can have (a dress does not catch fire; a power bank can). Texts
use ``{p}`` for a short product name. Urgent texts follow ../shared/triage-labels.md
(safety, threats to go to 12315, fraud, repeated failure, large loss, live goods).
"""

from __future__ import annotations

from typing import Final, NamedTuple


class DemoProduct(NamedTuple):
    name: str
    short: str
    price_yuan: int
    kind: str  # electronics, appliance, clothing, food, fresh, baby, beauty, home, medicine


class ProblemText(NamedTuple):
    category: str
    urgent: bool
    kinds: tuple[str, ...]  # empty: any kind
    text: str


# fmt: off
PRODUCTS: Final[tuple[DemoProduct, ...]] = (
    DemoProduct("美的 4L 智能电饭煲 MB-FB40", "电饭煲", 299, "appliance"),
    DemoProduct("华为 FreeBuds 5i 蓝牙耳机 陶瓷白", "蓝牙耳机", 449, "electronics"),
    DemoProduct("碎花雪纺连衣裙 M码 雾霾蓝", "连衣裙", 189, "clothing"),
    DemoProduct("飞鹤 星飞帆 3段 婴幼儿配方奶粉 700g×2罐", "奶粉", 538, "baby"),
    DemoProduct("Apple iPhone 15 128GB 黑色", "手机", 5999, "electronics"),
    DemoProduct("阳澄湖大闸蟹 公4.0两 母3.0两 8只礼盒", "大闸蟹", 398, "fresh"),
    DemoProduct("小米 米家扫拖机器人 2", "扫地机器人", 1299, "appliance"),
    DemoProduct("南极人 纯棉四件套 1.8m床", "四件套", 159, "home"),
    DemoProduct("三只松鼠 坚果大礼包 1.5kg", "坚果礼包", 99, "food"),
    DemoProduct("安踏 男子缓震跑步鞋 42码", "跑步鞋", 329, "clothing"),
    DemoProduct("罗技 MX Master 3S 无线鼠标", "鼠标", 699, "electronics"),
    DemoProduct("雅诗兰黛 特润修护肌活精华露 50ml", "精华", 690, "beauty"),
    DemoProduct("九阳 破壁豆浆机 D2", "豆浆机", 459, "appliance"),
    DemoProduct("公牛 20000mAh 快充充电宝", "充电宝", 129, "electronics"),
    DemoProduct("联想 小新 Pro 14 笔记本电脑 32G+1T", "笔记本电脑", 5299, "electronics"),
    DemoProduct("农夫山泉 饮用天然水 550ml×24瓶", "矿泉水", 29, "food"),
    DemoProduct("百草味 芒果干 500g", "芒果干", 35, "food"),
    DemoProduct("海尔 10公斤 滚筒洗衣机 EG100MATE", "洗衣机", 2399, "appliance"),
    DemoProduct("优衣库 摇粒绒外套 L 藏青", "外套", 199, "clothing"),
    DemoProduct("帮宝适 一级帮 纸尿裤 L码 120片", "纸尿裤", 259, "baby"),
    DemoProduct("戴森 V12 Detect Slim 无线吸尘器", "吸尘器", 3990, "appliance"),
    DemoProduct("999 感冒灵颗粒 10g×9袋 ×3盒", "感冒灵", 47, "medicine"),
    DemoProduct("鲜活波士顿龙虾 约600g 顺丰冷链", "龙虾", 268, "fresh"),
    DemoProduct("李宁 羽毛球拍 雷霆80 单拍", "羽毛球拍", 1099, "home"),
    DemoProduct("得力 A4 复印纸 70g 500张×5包", "复印纸", 118, "home"),
    DemoProduct("OPPO Reno12 手机 12G+256G", "手机", 2699, "electronics"),
    DemoProduct("蓝月亮 深层洁净洗衣液 3kg", "洗衣液", 49, "home"),
    DemoProduct("苏泊尔 不粘炒锅 32cm", "炒锅", 199, "home"),
    DemoProduct("良品铺子 肉松饼 1kg", "肉松饼", 39, "food"),
    DemoProduct("森马 直筒牛仔裤 30码", "牛仔裤", 139, "clothing"),
    DemoProduct("惠氏 启赋 3段 婴幼儿配方奶粉 800g", "奶粉", 358, "baby"),
    DemoProduct("格力 1.5匹 变频冷暖空调 挂机", "空调", 2899, "appliance"),
    DemoProduct("小熊 电热饭盒 双层", "电热饭盒", 129, "appliance"),
    DemoProduct("阳澄湖大闸蟹 公4.5两 母3.5两 10只礼盒", "大闸蟹", 688, "fresh"),
    DemoProduct("小米 Redmi K70 手机 16G+512G", "手机", 2599, "electronics"),
    DemoProduct("倍思 65W 氮化镓充电器", "充电器", 99, "electronics"),
    DemoProduct("美的 电热水壶 1.7L 304不锈钢", "电热水壶", 89, "appliance"),
    DemoProduct("花王 妙而舒 婴儿纸尿裤 M码 64片", "纸尿裤", 139, "baby"),
    DemoProduct("完美日记 哑光口红 #V01", "口红", 69, "beauty"),
    DemoProduct("兰蔻 小黑瓶 精华肌底液 50ml", "精华", 760, "beauty"),
    DemoProduct("褚橙 云南冰糖橙 5kg 礼盒", "冰糖橙", 88, "fresh"),
    DemoProduct("伊利 金典 纯牛奶 250ml×12盒", "纯牛奶", 65, "food"),
    DemoProduct("蒙牛 特仑苏 有机纯牛奶 250ml×12盒", "牛奶", 75, "food"),
    DemoProduct("波司登 男士羽绒服 连帽 黑色 XL", "羽绒服", 1299, "clothing"),
    DemoProduct("斯凯奇 女士休闲鞋 37码", "休闲鞋", 399, "clothing"),
    DemoProduct("网易严选 乳胶枕 泰国进口", "乳胶枕", 199, "home"),
    DemoProduct("TP-LINK AX3000 双频千兆路由器", "路由器", 239, "electronics"),
    DemoProduct("飞利浦 电动牙刷 HX6730", "电动牙刷", 399, "electronics"),
    DemoProduct("汤臣倍健 维生素C片 100片", "维生素C", 98, "medicine"),
    DemoProduct("舒肤佳 沐浴露 1L 纯白清香", "沐浴露", 45, "home"),
    DemoProduct("云南白药 牙膏 180g×3支", "牙膏", 79, "home"),
    DemoProduct("宜家 北欧风 落地灯", "落地灯", 299, "home"),
)

PROBLEMS: Final[tuple[ProblemText, ...]] = (
    # quality
    ProblemText("quality", False, ("electronics", "appliance"), "{p}用了两天就坏了，开不了机"),
    ProblemText("quality", False, ("electronics", "appliance"), "刚收到的{p}不能用，插上电没反应"),
    ProblemText("quality", False, ("appliance",), "{p}漏水，底下湿了一片"),
    ProblemText("quality", False, ("appliance",), "{p}噪音特别大，像要散架一样"),
    ProblemText("quality", False, ("electronics",), "{p}充不进电，质量太差了"),
    ProblemText("quality", False, ("electronics",), "{p}右边没声音，用了一周就这样"),
    ProblemText("quality", False, ("clothing",), "{p}色差太大，和图片完全不一样"),
    ProblemText("quality", False, ("clothing",), "{p}尺码不对，比详情页写的小一号"),
    ProblemText("quality", False, ("clothing", "home"), "{p}做工很差，线头到处都是，洗一次就起球"),
    ProblemText("quality", False, ("food", "baby", "medicine"), "{p}快过期了，生产日期是去年的"),
    ProblemText("quality", False, ("food",), "{p}打开就发霉了，根本不能吃"),
    ProblemText("quality", False, ("fresh",), "{p}收到就坏了，有一股臭味"),
    ProblemText("quality", False, ("beauty",), "{p}怀疑是假货，和专柜买的味道不一样"),
    ProblemText("quality", False, ("home",), "{p}有质量问题，用了没几次就断了"),
    ProblemText("quality", True, ("electronics",), "{p}充电的时候冒烟了，差点着火，太危险了"),
    ProblemText("quality", True, ("appliance",), "{p}漏电，我手被电了一下，现在还发麻"),
    ProblemText("quality", True, ("baby", "food"), "孩子吃了{p}以后过敏起疹子，已经去医院了"),
    ProblemText("quality", True, ("beauty",), "用了{p}脸上起了一片红疹，又痒又疼，要去看医生"),
    # logistics
    ProblemText("logistics", False, (), "{p}的物流三天没更新了，一直显示运输中"),
    ProblemText("logistics", False, (), "快递显示已签收，但是我根本没收到{p}"),
    ProblemText("logistics", False, (), "{p}外包装破损，箱子都压扁了"),
    ProblemText("logistics", False, (), "发错货了，我买的是{p}，收到的是别的东西"),
    ProblemText("logistics", False, (), "{p}少发了一件，订单里是两件"),
    ProblemText("logistics", False, (), "下单五天了{p}还没发货，什么时候发"),
    ProblemText("logistics", False, (), "快递员态度很差，{p}直接扔在门口"),
    ProblemText("logistics", False, ("appliance", "electronics"), "{p}运输途中摔坏了，外壳裂了"),
    ProblemText("logistics", True, ("fresh",), "{p}是活的，物流卡了两天没动，再不到就全死了"),
    ProblemText("logistics", True, ("electronics",), "{p}五千多块，快递说弄丢了，到现在没人管"),
    # after_sales
    ProblemText("after_sales", False, (), "{p}申请退货一周了还没人处理"),
    ProblemText("after_sales", False, (), "{p}的退款到现在还没到账"),
    ProblemText("after_sales", False, (), "{p}要开发票，客服一直不回复"),
    ProblemText("after_sales", False, ("electronics", "appliance"), "{p}坏了要保修，售后互相踢皮球"),
    ProblemText("after_sales", False, (), "客服态度很差，{p}的问题一直推脱"),
    ProblemText("after_sales", False, (), "{p}退货寄回去十天了，还没退款"),
    ProblemText("after_sales", False, ("appliance",), "{p}约了安装师傅，到现在都没人上门"),
    ProblemText("after_sales", False, (), "{p}想换货，客服说不支持，页面明明写着七天无理由"),
    ProblemText("after_sales", True, (), "{p}的问题第三次找客服了还没解决，再不处理我就打12315"),
    ProblemText("after_sales", True, (), "{p}退款拖了一个月了，我要去消协投诉你们"),
    # other
    ProblemText("other", False, (), "买{p}的优惠券用不了，结算时没减"),
    ProblemText("other", False, (), "{p}刚买就降价了，能不能保价"),
    ProblemText("other", False, (), "付款的时候扣了两次钱，买的是{p}"),
    ProblemText("other", False, (), "账号登不上去了，想查一下{p}的订单"),
    ProblemText("other", False, (), "{p}的活动价和页面写的不一样，虚假优惠"),
    ProblemText("other", True, (), "有人冒充你们客服打电话，说{p}要退款，让我转账"),
)
# fmt: on

#: Demo agents of the history (login name, display name); they get unusable passwords.
AGENTS: Final = (
    ("zhang.min", "张敏"),
    ("li.na", "李娜"),
    ("wang.qiang", "王强"),
    ("chen.jing", "陈静"),
    ("liu.yang", "刘洋"),
    ("zhao.lei", "赵磊"),
)

AGENT_REPLIES: Final = {
    "quality": "非常抱歉给您带来不便，麻烦提供一下商品问题的照片，我们马上为您处理。",
    "logistics": "已为您联系快递核实物流情况，有结果第一时间告诉您。",
    "after_sales": "已为您加急处理，预计 1–3 个工作日内完成。",
    "other": "已为您核实情况，稍后给您答复。",
}

RATING_COMMENTS: Final = {
    5: ("处理很快，谢谢", "客服很耐心", "满意"),
    4: ("还可以", "解决了，就是有点慢"),
    3: ("一般吧", "等了挺久"),
    2: ("处理太慢了", "态度一般"),
    1: ("非常不满意", "问题还是没解决"),
}

#: The emergency in the history: a batch of soy-milk makers that leak (closed with a summary).
SURGE_PRODUCT: Final = "九阳 破壁豆浆机 D2"
SURGE_TEXTS: Final = (
    "豆浆机用了一次就漏水，底座全是水",
    "刚买的豆浆机漏水，桌子上都是豆浆",
    "豆浆机打的时候从杯子底部漏出来",
    "豆浆机密封圈好像有问题，一直漏水",
    "豆浆机漏水漏到插座上了，不敢用了",
)
SURGE_SUMMARY: Final = (
    "11 月批次的豆浆机杯体密封圈尺寸偏差，导致使用时漏水。已下架该批次、"
    "为受影响的顾客全部换新或退款，并逐一回访。"
)
SURGE_IMPROVEMENTS: Final = (
    "入库抽检增加密封性测试",
    "与厂家约定批次问题 24 小时内响应",
    "商品页补充密封圈安装说明视频",
)
SURGE_MESSAGE: Final = (
    "我们已经注意到部分豆浆机出现漏水的问题，正在加急处理，"
    "受影响的订单可以直接换新或退款，客服会优先为您办理。"
)
