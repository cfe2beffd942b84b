"""High-recall rules for the six urgency triggers of the labels guide, with negation.

Rules read the *normalised* text (Simplified, half-width, placeholders). Each pattern has a
name so that training can measure how often it is right (its precision on the labelled data)
and the predictor can say which words made a message urgent. A match is ignored when a
negation sits just before it in the same clause (还好没有受伤, 不会去12315, 原本打算打12315) or
when the clause says the problem is settled (之前账号被盗的事已经解决了).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Final

_CLAUSE_SPLIT: Final = re.compile(r"[,.!?;:，。！？；：、\n~…]+")
_NEGATION_WINDOW: Final = 6
_NEGATION: Final = re.compile(
    r"(没有|没|不会|不想|不打算|没打算|不至于|不用|不需要|无需|别|不必|不要|并未|未曾|未|并没|无|(?<!是)不是"
    r"|原本|本来|本想|原来想|差一点就要|怕(?!是)|担心|万一|以免|防止)"
)
# Words after a negation that turn it into a condition or a complaint, not a denial:
# 没人管我就报警 (no one helps → I call the police) still threatens.
_CONDITION: Final = re.compile(r"(就|才|只能|只好|否则|不然|再|直接|要)")
# 要 right after a negation is the intention denied, not a condition (不是要去12315).
_DENIED_INTENT: Final = re.compile(r"(说|想)?要")
# Words that take a threat back: a withdrawn threat is not one (该去消协，我觉得没必要). 没必要 and
# 算了 only at the end of their clause or before 去/找/闹: 我要去12315，没必要跟你们废话 still threatens.
_RETRACTED: Final = re.compile(
    r"没必要(?=$|\s|了|吧|啦|去|找|闹|投诉)|算了(?=$|\s|吧|啦)|撤回|撤销了|翻篇|不追究|不计较|不打算|删帖"
    r"|一时冲动"
)
_SOLVED: Final = re.compile(
    r"(赔过了|总算(到|退|解决|处理)了|已经解决|已解决|解决好了|处理好了|已经处理|已经(给我)?(退|换|赔)了|已经收到|退回来了|(?<!不)是气话|别当真)"
)


@dataclass(frozen=True)
class Pattern:
    """One named pattern for one trigger."""

    name: str
    trigger: str
    regex: re.Pattern[str]


@dataclass(frozen=True)
class RuleHit:
    """A pattern that matched, with the words it matched."""

    pattern: str
    trigger: str
    evidence: str


#: Before a duration: not a product's age or shelf life (用了两个月, 保质期只剩两个月).
_NOT_AGE: Final = (
    r"(?<!用了)(?<!才用)(?<!用)(?<!戴了)(?<!穿了)(?<!睡了)(?<!买了)(?<!才买)(?<!只剩)(?<!还剩)(?<!剩)"
    r"(?<!过期)(?<!保质期)(?<!有效期)"
    # A person's age or a pregnancy (怀孕七个月了, 宝宝两个月了), not a wait.
    r"(?<!孕)(?<!宝宝)(?<!孩子)(?<!娃)"
)
#: After an institution's name: it is where something is (法院旁边那个驿站, 市场监管所对面) or
#: where someone works (在市场监管所上班, 法院食堂), not where the shopper is going.
_NOT_A_PLACE: Final = (
    r"(?!(事务所|[所局院科])?(旁边|对面|附近|门口|楼下|隔壁|边上|那边|斜对面|后面|路口|门卫"
    r"|上班|上夜班|工作|实习|食堂|的同事))"
)
#: After a duration: it has lasted (了, 都, 还, 过去) or nothing happened in it (没 …), but not
#: "without the thing to use" (半个月没东西用 is what a repair will cost, not a wait so far).
_ONGOING: Final = r"(了|都|还|过去|没有?(?!东西用|得用|法用|的用))"


def _p(trigger: str, name: str, regex: str) -> Pattern:
    return Pattern(name=f"{trigger}.{name}", trigger=trigger, regex=re.compile(regex))


PATTERNS: Final[tuple[Pattern, ...]] = (
    # 1. Safety or health.
    _p(
        "safety_health",
        "injury",
        r"受伤|伤到|弄伤|烫伤|烧伤|灼伤|划伤|割伤|划破|扎伤|刮伤|流血|出血|骨折|砸伤|压伤"
        r"|(?<!差点)(?<!差一点)(砸|压)(到|在).{0,6}(脚|腿|头|手|身上|胳膊|腰)|肿得",
    ),
    _p(
        "safety_health",
        "fire",
        # Not a hairstyle (爆炸头) or eyes "smoking" from waiting (眼睛都冒烟了); black smoke is smoke.
        r"起火|(?<!打不)(?<!点不)着火|火灾|(?<!眼睛)(?<!眼睛都)冒[黑白青]?烟|冒火|烧焦(?!的?(味|气味))"
        r"|爆炸(?!头)|自燃|(?<!毛)炸开|爆燃",
    ),
    # A burning smell alone is its own pattern: shoppers often report it with "but no smoke".
    _p("safety_health", "burn_smell", r"烧焦的?(味|气味)|焦糊味"),
    _p(
        "safety_health",
        "shock",  # 被电 is a shock, not 被电话吵醒 (woken by calls) or 被电动车撞 (a scooter).
        r"触电|漏电|电到|电了一下|被电(?![话视脑梯池动商信线源瓶])",
    ),
    _p("safety_health", "poison", r"中毒|有毒|呕吐|上吐下泻|拉肚子|腹泻|肚子疼|食物中毒|甲醛超标"),
    # Allergy as a condition or a worry (过敏体质, 怕过敏, 适合过敏宝宝) is no reaction.
    _p(
        "safety_health",
        "allergy",
        r"(?<!会)(?<!怕)(?<!容易)(?<!适合)(?<!防)(?<!抗)过敏(?!体质|宝宝|人群|肌|史)"
        r"|红肿|起疹|疹子|皮疹|起红点|烂脸|脸肿",
    ),
    # A hospital as a workplace or a check-up booked (在医院上班, 去医院复查) is no injury.
    _p(
        "safety_health",
        "doctor",
        r"送医|医院(?!复查|复诊|体检)"
        + _NOT_A_PLACE
        + r"|就医|看医生|急诊(?!科)"
        + _NOT_A_PLACE
        + r"|住院|挂号|诊所"
        + _NOT_A_PLACE
        + r"|吃药都",
    ),
    # Not money or an order that a system "ate" (钱被系统吞了, 付款被吞了).
    _p(
        "safety_health",
        "swallow",
        r"误吞|吞下|(?<!被)(?<!系统)(?<!你们)吞了|吞进|卡喉|卡住喉咙|窒息|呛到",
    ),
    _p("safety_health", "battery", r"鼓包|电池.{0,4}(胀|变形|发烫)"),
    # 2. Threat to go outside.
    _p(
        "external_threat",
        "hotline",
        r"(?<!\d)(?<!尾号)(?<!单号)(?<!编号)(12315|315|12345)(?!\d)|消协|消费者协会|消保委|消保官|消保会|消基会|消费者文教基金会",
    ),
    _p(
        "external_threat",
        "regulator",
        r"(市场监管|市场监督|工商(?!银行|管理)|邮政局|邮政管理局|监管部门|有关部门|卫生局|药监局|食药监|质监局)"
        + _NOT_A_PLACE,
    ),
    _p(
        "external_threat",
        "legal",
        r"律师" + _NOT_A_PLACE + r"|起诉|法院" + _NOT_A_PLACE + r"|打官司|诉讼(?!法)|法律途径"
        # 法庭上见, 告你们, 可以告: suing in plain words (not 告诉 tell, 转告 pass on, 广告 ads).
        r"|维权到底|法庭|(?<![转报广公警忠预宣控被原祷通])告(你们|死你们|到底)"
        r"|(?<!你)(去|可以|就|要|能)告(?![诉知白别状示])",
    ),
    # An appliance that keeps alarming (电磁炉一直报警) is a defect, not a call to the police.
    _p(
        "external_threat",
        "police",
        r"(?<!一直)(?<!老是)(?<!总是)(?<!频繁)(?<!乱)(?<!误)(?<!自动)(?<!显示)"
        # Nor service telling the shopper to call the police (客服让我报警): not their threat.
        r"(?<!让我)(?<!叫我)(?<!建议)(?<!劝我)报警(?!器|灯|声|音|提示|代码)"
        r"|报案|警察(?!套装|服|玩具|制服|帽)|公安"
        + _NOT_A_PLACE
        + r"|派出所"
        + _NOT_A_PLACE
        + r"|(打|报|拨)110",
    ),
    # 曝光 is also what a camera does (相机曝光不准, 曝光补偿), and 媒体好评 is advertising.
    _p(
        "external_threat",
        "media",
        # Nor 新媒体 / 多媒体 / 自媒体 (a job, a speaker), nor a shop's 曝光活动 (a promotion).
        r"(?<![新多自融])媒体(?!好评|推荐|评测|盛赞|力荐)|记者|报社"
        r"|(?<!相机)(?<!镜头)(?<!照片)(?<!自动)(?<!拍照)曝光"
        r"(?!度|补偿|时间|不准|过度|不足|值|模式|参数|活动|台)"
        r"|电视台|上新闻|黑猫投诉|挂到网上|发到网上",
    ),
    _p(
        "external_threat",
        "social",
        # Platforms by their nicknames too (某音, dy, 红书, 小红薯).
        r"(发|挂|曝|晒).{0,6}(微博|抖音|某音|dy|小红书|红书|小红薯|某书|某博|快手|朋友圈|知乎|b站)"
        r"|(微博|抖音|小红书).{0,4}(曝光|发帖|挂|曝|说说)",
    ),
    # 3. Fraud or security.
    _p(
        "fraud_security",
        "account",
        r"被盗|盗号|盗刷|盗用|异地登录|账号.{0,4}被.{0,3}(登|改|盗|冻结)"
        r"|密码.{0,4}被改|被人登录",
    ),
    _p(
        "fraud_security",
        "unauthorised",
        # 不是我下单的型号 is a wrong item, not an order someone else placed.
        r"没有?(经过)?(我的?)?授权|未授权"
        r"|没有?(买|下单|下过单|消费|购买)(过|东西|任何东西)?.{0,12}(扣了|扣款|扣我|扣钱|被扣)"
        r"|莫名(其妙)?.{0,3}(扣|被扣|扣款|扣了|多了)|陌生.{0,6}(扣款|订单|支付|登录)"
        # Money sent to, or a card bound from, an account that is not the shopper's.
        r"|(不是我的|从没见过的|从来没见过的|我都?没有这张|我没有的)(银行)?(卡|账户|账号|支付宝)",
    ),
    # "Not me who bought it" is also how shoppers describe a wrong item (收到的东西不是我买的):
    # its own pattern, so its lower precision does not dilute the charges nobody made above.
    _p(
        "fraud_security",
        "not_me",
        r"(?<!东西)(?<!东西还)(?<!货)(?<!发的)不是我(本人)?.{0,2}(买|下|付|支付|操作|充|开通)"
        r"(?!.{0,3}的(型号|款|颜色|尺码|规格|东西|商品|货|那))",
    ),
    # 钓鱼 is phishing only with a link or a site (钓鱼竿 is a fishing rod); 以为是诈骗 says it
    # was not one.
    _p(
        "fraud_security",
        "scam",
        # 冒充 only for a person or the shop (陈米冒充新米 is a product not as described); anyone
        # asking for a password, a card number or a code is a scam whatever they call themselves.
        r"(?<!以为是)(?<!以为)诈骗|冒充.{0,6}(客服|官方|你们|店|平台|快递|工作人员|商家|售后|小二|员工)"
        r"|假冒.{0,4}客服|假客服|钓鱼(网站|链接|短信|网址|页面|邮件)|骗钱"
        r"|(问我要|向我要|找我要|跟我要|(让|叫|要)我(填|输入?|提供|告诉|报|发))(一下)?(我的)?"
        r"(支付|银行卡|登录|银行|网银)?(密码|卡号|验证码|cvv)",
    ),
    # 骗子 / 被骗 are also what a shopper calls a product not as described (扩容盘 骗子).
    # Not what pictures do (被图片骗了) or a feeling about a product (感觉被骗了).
    _p(
        "fraud_security",
        "cheated",
        r"骗子(?!才)|(?<!感觉)(?<!图片)(?<!照片)被骗|(?<!图片)(?<!照片)(?<!图片给)骗了",
    ),
    _p(
        "fraud_security",
        "leak",
        r"泄露|泄漏|信息被卖|信息外泄|个人信息.{0,6}被|知道我的(名字|地址|电话|订单)",
    ),
    # 4. Repeated failure.
    # Four patterns, not one, so that each gets its own measured precision: "contacted you
    # the third time" is nearly always urgent, "反反复复" (a defect that keeps coming back) is not.
    _p(
        "repeated_failure",
        "nth_contact",
        r"第[三四五六七八九十3-9](次|回|遍).{0,3}(找|联系|联络|打|催|问|投诉|反映|申请|提|来|说|跟|咨询)",
    ),
    # The guide's example is the third contact; a second one is often just a reminder (第二次来问
    # 了，上次说三天), so it is measured apart and decides alone only if the data say it is usually
    # urgent.
    _p(
        "repeated_failure",
        "second_contact",
        r"第[二两2](次|回|遍).{0,3}(找|联系|联络|打|催|问|投诉|反映|申请|提|来|说|跟|咨询)",
    ),
    _p(
        "repeated_failure",
        "times",
        # 回 counts contacts too (第五回了); 遍 counts what was done (重启了十遍了), so only after
        # a contact verb (contacted_often).
        # Nor tries (试了好几次了, 点了十几次, 重启不下十次了): pressing a button is not contacting.
        r"(?<!回购)(?<!购买)第[三四五六七八九十3-9](次|回)了"
        r"|(?<!试了)(?<!试过)(?<!点了)(?<!刷新了)(?<!重启了)(?<!不下)(?<!登了)(?<!输了)(?<!洗了)"
        r"(?<![三四五六七八九十几多好无数0-9])(?<!NUM\d )(?<!回购)(?<!回购第)[三四五六七八九十几多好无数3-9]+(次|回)了",
    ),
    _p(
        "repeated_failure",
        "contacted_often",
        r"(找|联系|联络|打|催|问|投诉|反映|申请|提交|沟通|咨询)了?(客服|你们)?(好|无数|很多|[三四五六七八九十几多3-9])+(次|回|遍)",
    ),
    _p("repeated_failure", "again_and_again", r"屡次|三番五次|反反复复|(?<![周期拜十])一再"),
    # The problem has dragged on for weeks: a duration followed by 了 / 都 / 还 / 没. Not a
    # product's age (用了两个月, 才戴两个礼拜), its shelf life (保质期只剩两个月了), or what a repair
    # will cost in time (半个月没东西用). Two weeks or half a month is its own pattern: the
    # guide's "weeks" starts there, and shoppers use it loosely, so it gets its own precision.
    _p(
        "repeated_failure",
        "duration",
        _NOT_AGE + r"(?:(([三四五六七八九十几多3-9])个?多?(星期|礼拜|周)"
        r"|([一二两三四五六七八九十几多1-9]|一两)个多?月|俩个?多?月"
        r"|[2-9][0-9]天)" + _ONGOING + r"|二十多?天|一个多月)",
    ),
    _p(
        "repeated_failure",
        "two_weeks",
        _NOT_AGE
        + r"([两2]|一两)个?多?(星期|礼拜|周)"
        + _ONGOING
        + "|"
        + _NOT_AGE
        + r"半个月"
        + _ONGOING,
    ),
    _p(
        "repeated_failure",
        "ignored",
        r"(一直|始终|根本|从来)没?(人|有人)(理|管|处理|回复|解决)|没完没了|踢皮球|推来推去",
    ),
    # 5. Large loss or time-critical need.
    _p(
        "large_loss",
        "expensive_lost",
        # 金 is gold, not 购物金 / 现金 / 返现金 / 押金 / 定金 / 金币 (store credit, deposits, points).
        # 手机 itself, not its film, case or stand (手机膜全碎了 is a few yuan).
        r"(手机(?![膜壳套]|支架|贴膜)|电脑|笔记本|iphone|ipad|相机|(?<!购物)(?<!现)(?<!返)(?<!积分)(?<!押)(?<!定)(?<!淘)金(?!币)"
        r"|钻|首饰|手表|名表|项链|戒指|包包|奢侈品)"
        r".{0,10}(丢|丢了|丢失|弄丢|没了|找不到(?!入口|按钮|选项|页面|在哪)|不见了|被冒领|摔碎|碎了|报废)",
    ),
    # Prices of four digits are everyday goods; only five digits or 万 is a large loss by itself.
    # Not a capacity or a count: 两万毫安, 20000mah, 两万多分 (points).
    _p(
        "large_loss",
        "big_amount",
        # Seven digits and more are ids (a tax number, a card), not prices.
        # Not a count either: 快门数一万两千次.
        # Nor a specification (25000pa) or the idiom 十万八千里 (a world apart).
        r"(NUM[56]|[几上一两三四五六七八九十]万)\s?(多)?"
        r"(?![一二两三四五六七八九千百零\d]*\s?(毫安|mah|分|积分|步|字|粉|次|人|条|张|pa|八千里))"
        r"(元|块|rmb)?",
    ),
    _p(
        "large_loss",
        "medicine",
        r"(药|胰岛素|降压|救命|医用|氧气|奶粉)"
        r".{0,10}(没到|没收到|没送|还没|急用|急需|等着用|断了)",
    ),
    _p(
        "large_loss",
        "perishable",
        r"(活|鲜活|海鲜|螃蟹|龙虾|鱼|虾|鲜花|花束|水果|生鲜|宠物|猫|狗|冷链|蛋糕|肉)"
        # Rotting or melting, not crushed (水果被踩烂了几个 is damage in transit), and not the
        # ice packs melting (冰袋都化了: the goods may be fine).
        r"[^冰]{0,10}(死了|死掉|全死|臭了|(?<![踩压摔砸碰挤磕])烂了|腐烂|(?<!冰)化了|馊了|发臭)",
    ),
    # 6. Severe distress.
    _p(
        "severe_distress",
        "self_harm",
        # Not 跳楼价 (a knock-down price) or 想死你了 (missed you).
        r"自杀|不想活|活不下去|轻生|跳楼(?!价|甩卖|大甩卖|清仓)|跳河|割腕|想死(?!你)|去死|结束生命|安眠药",
    ),
    _p(
        "severe_distress",
        "threat",
        r"弄死|(?<!秒)杀了|砍死|同归于尽|(?<![团单])拼了(?![一二两三四五六七八九十几多0-9])|找上门|报复|炸了你们|砸了你们|跟你们没完"
        r"|(过去|上门|找上门)(把.{0,6})?(全|都)?给?砸|堵门|拉横幅|后果自负|别想好过|付出代价",
    ),
    # Despair without a threat: its own pattern (崩溃 is also what an app does).
    _p(
        "severe_distress",
        "despair",
        r"撑不下去|(?<!系统)(?<!软件)(?<!app)崩溃了|逼疯|要疯了|做(出|了)?傻事|想放弃一切|活着没意思",
    ),
)


def says_settled(normalized_text: str) -> bool:
    """Whether the message says a problem is already solved (之前…已经解决了, 处理好了)."""
    return bool(_SOLVED.search(normalized_text))


def _negated(clause: str, start: int) -> bool:
    before = clause[max(0, start - _NEGATION_WINDOW) : start]
    negations = list(_NEGATION.finditer(before))
    if not negations:
        return False
    between = before[negations[-1].end() :]
    if _DENIED_INTENT.match(between):
        return True  # 不是说要去消协, 没有要曝光谁的意思: the 要 is what is denied
    return not _CONDITION.search(between)


def _retracted(clauses: list[str], index: int) -> bool:
    """A threat this clause or the next one takes back (…该去消协，我觉得没必要)."""
    return any(_RETRACTED.search(clause) for clause in clauses[index : index + 2])


@functools.lru_cache(maxsize=1)
def _any_pattern() -> re.Pattern[str]:
    """Every pattern in one alternation: it matches a clause exactly when some pattern does.

    Most messages fire no rule, and one search per clause is much cheaper than one per
    pattern (about a tenth of ``predict``'s time went to the per-pattern loop).
    """
    return re.compile("|".join(f"(?:{pattern.regex.pattern})" for pattern in PATTERNS))


def find_hits(normalized_text: str) -> list[RuleHit]:
    """All non-negated pattern matches in a normalised text, at most one per pattern."""
    hits: dict[str, RuleHit] = {}
    any_pattern = _any_pattern()
    clauses = _CLAUSE_SPLIT.split(normalized_text)
    for index, clause in enumerate(clauses):
        if not clause.strip() or not any_pattern.search(clause):
            continue
        if _SOLVED.search(clause):
            continue  # 之前账号被盗的事已经解决了: an old, settled problem is not urgent now
        for pattern in PATTERNS:
            if pattern.name in hits:
                continue
            if pattern.trigger == "external_threat" and _retracted(clauses, index):
                continue
            for match in pattern.regex.finditer(clause):
                if not _negated(clause, match.start()):
                    hits[pattern.name] = RuleHit(pattern.name, pattern.trigger, match.group(0))
                    break
    return list(hits.values())
