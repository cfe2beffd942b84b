"""Urgency rules: each trigger fires on plain cases; negations and solved problems do not."""

import pytest

from triage_model.normalize import normalize
from triage_model.urgency_rules import find_hits


def triggers(text: str) -> set[str]:
    return {hit.trigger for hit in find_hits(normalize(text))}


@pytest.mark.parametrize(
    ("text", "trigger"),
    [
        ("充电宝冒烟了差点着火", "safety_health"),
        ("孩子把零件吞下去了", "safety_health"),
        ("用了面膜脸上全是红肿过敏", "safety_health"),
        ("再不处理我就打12315", "external_threat"),
        ("我已经找律师了", "external_threat"),
        ("没人管我就报警", "external_threat"),  # a condition, not a denial
        ("我的帳號被盜了", "fraud_security"),  # Traditional input
        ("不是我本人下的单，钱被扣了", "fraud_security"),
        ("这是我第三次找客服了", "repeated_failure"),
        ("一个多月了还没解决", "repeated_failure"),
        ("花了8999买的手机丢了", "large_loss"),
        ("活螃蟹到的时候全死了", "large_loss"),
        ("我真的不想活了", "severe_distress"),
        ("这不是气话，再不处理我就去12315", "external_threat"),
        ("我要去12315，没必要跟你们废话了", "external_threat"),  # no retraction
        ("算了，我还是要打12315", "external_threat"),  # 算了 before the threat
    ],
)
def test_trigger_fires(text: str, trigger: str) -> None:
    assert trigger in triggers(text)


@pytest.mark.parametrize(
    "text",
    [
        "还好没有受伤",
        "不会去12315的，就想换一个",
        "之前的问题已经解决了，这次是另一个",
        "孩子没有吞下去，就是零件松了",
        "不想闹到消协，给我换个新的就行",
        "用了两次就不加热了",
        "快递晚了一天",
        "上次说要去消协是气话，这次好好说",  # a threat taken back
        "我可不是要去找媒体，问问进度而已",  # the 要 is what is denied
        "我没有要起诉的意思，只想换货",
        "朋友说该打12315，我觉得没必要，换一个就行",  # withdrawn in the next clause
        "上回的消协投诉我已经撤回了",
        "淘金币一夜之间没了",  # platform coins, not gold
    ],
)
def test_negated_or_harmless_text_fires_nothing(text: str) -> None:
    assert triggers(text) == set()


@pytest.mark.parametrize(
    ("text", "trigger"),
    [
        ("我没买东西啊 支付宝怎么扣了我399", "fraud_security"),
        ("是不是帳號被盜了 我沒下單啊", "fraud_security"),  # 是不是 asks, it does not deny
        ("客服一再推脱", "repeated_failure"),
        ("金项链寄丢了", "large_loss"),
        ("被骗走两万块", "fraud_security"),
    ],
)
def test_real_style_triggers_fire(text: str, trigger: str) -> None:
    assert trigger in triggers(text)


@pytest.mark.parametrize(
    "text",
    [
        "能不能让快递下周一再送",  # 周一 + 再送, not 一再 (again and again)
        "我想等双十一再买",
        "发的货根本不是我下单的型号",  # a wrong item, not someone else's order
        "我的购物金怎么不见了",  # store credit, not gold
        "烟雾报警器不响",  # an alarm, not the police
        "燃气灶打不着火",
        "怕宝宝吞下去",  # a worry, not an accident
        "行动电源标两万毫安",  # a capacity, not money
        "售后单号TK88392 怎么显示退款关闭",  # a code, not 88,392 yuan
    ],
)
def test_real_style_look_alikes_do_not_fire(text: str) -> None:
    assert not triggers(text)


def patterns(text: str) -> set[str]:
    return {hit.pattern for hit in find_hits(normalize(text))}


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        # Repeated failure: several contacts without result, or dragged on for weeks.
        ("等了三个星期了还是没发货", "repeated_failure.duration"),
        ("维修一个多月了没有任何消息", "repeated_failure.duration"),
        ("退款两周了还没到账", "repeated_failure.two_weeks"),
        ("半个月了，换货还是处理中", "repeated_failure.two_weeks"),
        # Large loss: expensive goods, or live and fresh goods dying or rotting now.
        ("活虾到的时候全死了", "large_loss.perishable"),
        ("一箱水果全烂了，一股酸臭味", "large_loss.perishable"),
        ("这台电视 15000 元，屏幕摔碎了", "large_loss.big_amount"),
        ("订单不是我下的，我根本没买过", "fraud_security.not_me"),
        ("有股烧焦的味道，插头也发烫", "safety_health.burn_smell"),
        # Counted in 回 and 遍 too, contacts in Traditional (聯絡 → 联络).
        ("这都第五回了 退款还是没到", "repeated_failure.times"),
        ("第三次聯絡客服了，還是沒人處理", "repeated_failure.nth_contact"),
        ("问了客服五遍 没一个说得清", "repeated_failure.contacted_often"),
        ("我要去消保官那里申诉", "external_threat.hotline"),
        ("菜叶全烂了，我要检举到卫生局", "external_threat.regulator"),
        ("退款一直拖 我真的撑不下去了", "severe_distress.despair"),
        ("再不退钱我就去你们公司拉横幅", "severe_distress.threat"),
    ],
)
def test_pattern_fires(text: str, pattern: str) -> None:
    assert pattern in patterns(text)


@pytest.mark.parametrize(
    "text",
    [
        # A duration that is no wait: a repair still to come, a product's age, its shelf life.
        "返厂维修要一周多，估计两周没法用",
        "手机用了两个月了，屏幕开始闪",
        "这双鞋才穿了两个月就开胶了",
        "牛奶保质期只剩两周了",
        "零食有几包过期三个月了",
        # Goods damaged on the way are not goods rotting; melted ice packs are not the goods.
        "箱子被压扁，几个橙子压烂了",
        "冰袋全化了，牛排摸着还是冻的",
        # An id of seven or more digits is no price; a wrong item is no stranger's order.
        "发票抬头写公司，税号是 1234567",
        "收到的东西不是我买的，我买的是洗发水",
        "电脑登录找不到入口",
        "说是全新的相机，快门数一万两千次",  # a count, not money
        # Settled, withdrawn in the next words, or an app that crashes.
        "上次漏电那个插排已经给我换了 这次问别的",
        "之前想过找律师 后来觉得没必要 好好处理就行",
        "之前说要打12315是一时冲动，现在只想换货",
        "app崩溃了 付不了款",
        "重启了十遍了还是黑屏",  # 遍 counts what was done, not contacts
    ],
)
def test_look_alikes_of_repeated_failure_and_large_loss_do_not_fire(text: str) -> None:
    assert not (patterns(text) - {"safety_health.burn_smell"}), patterns(text)


@pytest.mark.parametrize(
    "text",
    [
        # Words that contain a trigger's word and mean something else.
        "口红颜色跟试色差了十万八千里",  # an idiom, not a sum of money
        "号称25000Pa吸力 地上的头发都吸不起来",  # a specification
        "给我爸买的钓鱼竿 赠品没送",  # a fishing rod, not phishing
        "我今天秒杀了一件 结果比原价还贵",  # a flash sale, not a killing
        "收到的手机膜全碎了",  # a screen film, not the phone
        "钱扣了订单还是待付款 被你们系统吞了？",  # money a system swallowed
        "营销短信一天好几条 老人家还以为是诈骗",  # mistaken for a scam, not one
        "助听器才戴了一个多月就没声音了",  # the product's age, not a wait
        "拼团拼了三天没成团 钱一直冻着",  # a group buy, not a fight
        "麻烦备注快递别打电话 每次都被电话吵醒",  # calls, not a shock
        "我怀孕七个月了 防辐射服有问题想退",  # a pregnancy, not a wait
        "宝宝两个月了 奶瓶的刻度印歪了",  # a baby's age
        "快递放到工商银行对面的驿站就行",  # a landmark, not a regulator
        "派出所门口那个快递柜打不开",
        "地址写的法院附近 快递员说找不到",
        "净水器装好以后老是报警 滤芯也是新的",  # an appliance's alarm
        "这台相机曝光补偿调不了",  # a camera's exposure
        "详情页写着媒体推荐款 收到的是旧款",  # advertising
        "验证码收不到 我点了十几次了",  # tries, not contacts
        "打印机卡纸 试了好几次了还是卡",
        # The tenth pass: jobs, books, costumes, sayings and digits.
        "我在派出所上班 白天没人收快递",
        "买了本刑事诉讼法 书脊裂开了",
        "万圣节的警察服 腰带没发",
        "多媒体教室用的投影仪 画面发黄",
        "爆炸头假发 颜色和图片不一样",
        "等得我眼睛都冒烟了 还没发货",
        "跳楼价买的 隔天又降了",
        "想死你家的辣条了 这批怎么这么咸",
        "订单尾号12315 帮我看看到哪了",
        "怕过敏 想问下成分",
        "抽纸回购第三次了 这次变薄了",
        "被图片骗了 实物颜色暗很多",
        "茶叶拿陈茶冒充新茶",
        "客服叫我报警 我就丢了个几块钱的发卡",
    ],
)
def test_look_alike_words_fire_nothing(text: str) -> None:
    assert not patterns(text), patterns(text)


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("孩子吞了一颗纽扣电池", "safety_health.swallow"),
        ("点了一个钓鱼链接 卡里的钱没了", "fraud_security.scam"),
        ("收到短信说退款 一看是诈骗", "fraud_security.scam"),
        ("你们再拖我就杀了你们", "severe_distress.threat"),
        ("手机摔碎了 八千多买的", "large_loss.expensive_lost"),
        ("贷了两万转给他 现在联系不上", "large_loss.big_amount"),
        ("一个多月了还没退款", "repeated_failure.duration"),
        ("再不给说法我就去工商局投诉", "external_threat.regulator"),
        ("我已经去派出所报案了", "external_threat.police"),
        ("东西被调包了 我要报警", "external_threat.police"),
        ("你们等着 我发微博曝光", "external_threat.media"),
        ("找了客服好几次了都没用", "repeated_failure.times"),
        ("第四次联系你们了", "repeated_failure.nth_contact"),
        ("第二次找客服了 上次说三天回复", "repeated_failure.second_contact"),
        # The tenth pass: the same triggers in plainer or slangier words.
        ("再不退 咱们法庭见", "external_threat.legal"),
        ("这事我可以告你们", "external_threat.legal"),
        ("拍了视频 今晚就发某音", "external_threat.social"),
        ("录屏了 发红书让大家避雷", "external_threat.social"),
        ("我朋友在报社 说可以写一篇", "external_threat.media"),
        ("开机就冒黑烟", "safety_health.fire"),
        ("柜子倒了砸到我脚上", "safety_health.injury"),
        ("冒充你们售后的人加我微信", "fraud_security.scam"),
        ("客服让我提供银行卡密码才能退款", "fraud_security.scam"),
        ("退款退到一张不是我的卡上", "fraud_security.unauthorised"),
        ("来回折腾快俩月了还没修好", "repeated_failure.duration"),
        ("手里攥着一瓶安眠药", "severe_distress.self_harm"),
        ("告诉我你们仓库在哪 我过去全给砸了", "severe_distress.threat"),
    ],
)
def test_the_real_trigger_words_still_fire(text: str, pattern: str) -> None:
    assert pattern in patterns(text)
