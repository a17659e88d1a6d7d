"""The service catalogue (Open311 "services"): request types, their time-limit category,
who handles them (township or county), and the extra fields (attributes) each asks for.

Groups follow the top-level classes of GB/T 39666-2020《政府热线服务分类与代码》 in spirit
(社会保障、城乡建设、环境保护 …); codes are ours. One catalogue serves every jurisdiction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["SERVICES", "Attribute", "Service", "service"]


@dataclass(frozen=True)
class Attribute:
    """An Open311 service attribute (an extra form field)."""

    code: str
    datatype: str  # string | number | datetime | text | singlevaluelist | multivaluelist
    description: str
    required: bool = False
    values: tuple[tuple[str, str], ...] = ()
    datatype_description: str | None = None


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    group: str
    category: str  # a key of time_limits.toml [categories]
    scope: str  # township: the township handles it; county: a county department does
    description: str
    keywords: str
    attributes: tuple[Attribute, ...] = field(default=())


_TIME = (("day", "白天 daytime"), ("night", "夜间 night (22:00–06:00)"))
SERVICES: tuple[Service, ...] = (
    Service(
        "policy_consult",
        "政策咨询 policy question",
        "政务服务 government services",
        "consultation",
        "county",
        "关于政策、办事流程的咨询 questions about policies and procedures",
        "咨询,政策,办事",
    ),
    Service(
        "social_security",
        "社保医保 social insurance",
        "社会保障 social security",
        "help",
        "county",
        "社保、医保、养老待遇问题 pensions, medical insurance",
        "社保,医保,养老",
        (Attribute("id_last4", "string", "身份证后四位 last 4 digits of ID (optional)"),),
    ),
    Service(
        "water_outage",
        "停水停电 water or power cut",
        "城乡建设 utilities",
        "urgent",
        "township",
        "停水、停电、停气 a cut of water, power or gas",
        "停水,停电,燃气",
        (
            Attribute("households", "number", "受影响户数 households affected", True),
            Attribute("since", "datetime", "开始时间 since when"),
        ),
    ),
    Service(
        "road_repair",
        "道路与路灯 roads and street lights",
        "城乡建设 urban and rural construction",
        "help",
        "township",
        "道路破损、路灯不亮 damaged roads, dark street lights",
        "道路,路灯,坑洼",
    ),
    Service(
        "sanitation",
        "环境卫生 sanitation",
        "城乡建设 urban and rural construction",
        "help",
        "township",
        "垃圾清运、公厕、污水 rubbish, toilets, sewage",
        "垃圾,卫生,污水",
    ),
    Service(
        "noise",
        "噪声扰民 noise",
        "环境保护 environment",
        "complaint",
        "township",
        "施工、商铺、广场舞噪声 construction, shop or dance noise",
        "噪声,扰民",
        (Attribute("time_of_day", "singlevaluelist", "发生时段 when it happens", True, _TIME),),
    ),
    Service(
        "pollution",
        "环境污染 pollution",
        "环境保护 environment",
        "complaint",
        "county",
        "废气、废水、违规排放 air or water pollution, illegal discharge",
        "污染,排放,环保",
    ),
    Service(
        "wage_arrears",
        "拖欠工资 unpaid wages",
        "社会保障 labour",
        "complaint",
        "county",
        "农民工工资拖欠 unpaid wages of migrant workers",
        "欠薪,工资,农民工",
        (
            Attribute("employer", "string", "用人单位 employer", True),
            Attribute("amount", "number", "拖欠金额（元） amount owed (yuan)"),
        ),
    ),
    Service(
        "cadre_conduct",
        "干部作风 conduct of officials",
        "行政管理 administration",
        "report",
        "county",
        "推诿扯皮、吃拿卡要 officials passing the buck or asking for favours",
        "作风,推诿,举报",
    ),
    Service(
        "suggestion",
        "意见建议 suggestion",
        "其他 other",
        "suggestion",
        "county",
        "对政府工作的意见建议 suggestions on the government's work",
        "建议,意见",
    ),
    Service(
        "safety_hazard",
        "安全隐患 safety hazard",
        "公共安全 public safety",
        "emergency",
        "township",
        "危房、地质灾害、燃气泄漏等危及生命财产的隐患 dangers to life or "
        "property: unsafe houses, landslides, gas leaks",
        "危房,滑坡,隐患",
    ),
)
_BY_CODE = {s.code: s for s in SERVICES}


def service(code: str) -> Service | None:
    return _BY_CODE.get(code)
