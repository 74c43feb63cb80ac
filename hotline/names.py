"""The one table of Chinese names for the core's vocabulary: statuses, roles, actions, channels…

Pages, exports, the API's ``*_label`` fields and the core's own refusals all read these; the
codes themselves stay English in the database and the API.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hotline.calls.models import TransferKind
from hotline.enums import (
    Action,
    CallDirection,
    CallOutcome,
    Card,
    Channel,
    LimitUnit,
    Nature,
    RejectReason,
    RequestState,
    Role,
    Satisfaction,
    SeatState,
    Stage,
    TicketStatus,
    UnitKind,
    Urgency,
)

STATUS = {
    TicketStatus.DRAFT: "待派单",
    TicketStatus.DISPATCHED: "待签收",
    TicketStatus.HANDLING: "办理中",
    TicketStatus.RETURNED: "已退单",
    TicketStatus.REPLIED: "待回访",
    TicketStatus.CLOSED: "已办结",
    TicketStatus.REJECTED: "不予受理",
    TicketStatus.MERGED: "已并案",
}
NATURE = {
    Nature.CONSULTATION: "咨询",
    Nature.HELP: "求助",
    Nature.COMPLAINT: "投诉",
    Nature.REPORT: "举报",
    Nature.SUGGESTION: "建议",
    Nature.PRAISE: "表扬",
    Nature.OTHER: "其他",
}
URGENCY = {Urgency.NORMAL: "一般", Urgency.URGENT: "紧急", Urgency.CRITICAL: "特急"}
CHANNEL = {Channel.PHONE: "电话", Channel.WEB: "网站", Channel.MAILBOX: "市长信箱", Channel.API: "接口"}
SEAT_STATE = {
    SeatState.OFFLINE: "离线",
    SeatState.READY: "空闲",
    SeatState.RINGING: "振铃",
    SeatState.TALKING: "通话中",
    SeatState.WRAP_UP: "话后处理",
    SeatState.PAUSED: "小休",
}
CALL_OUTCOME = {
    CallOutcome.WAITING: "排队中",
    CallOutcome.RINGING: "振铃中",
    CallOutcome.TALKING: "通话中",
    CallOutcome.ANSWERED: "已接通",
    CallOutcome.ABANDONED: "放弃",
    CallOutcome.SHORT_ABANDON: "短时放弃",
    CallOutcome.TRANSFERRED: "已转接",
    CallOutcome.DIALLING: "外呼中",
    CallOutcome.NO_ANSWER: "未接通",
}
CALL_DIRECTION = {CallDirection.INBOUND: "呼入", CallDirection.OUTBOUND: "外呼"}
SATISFACTION = {
    Satisfaction.SATISFIED: "满意",
    Satisfaction.BASICALLY_SATISFIED: "基本满意",
    Satisfaction.UNSATISFIED: "不满意",
}
REJECT_REASON = {
    RejectReason.EMERGENCY: "紧急警情，转110/119/120",
    RejectReason.OUT_OF_SCOPE: "不属于受理范围",
    RejectReason.HARASSMENT: "恶意骚扰",
    RejectReason.NO_CONTENT: "无实质内容",
}
ROLE = {
    Role.OPERATOR: "话务员",
    Role.DISPATCHER: "派单员",
    Role.UNIT: "成员单位",
    Role.SUPERVISOR: "管理者",
    Role.ADMIN: "管理员",
    Role.CHANNEL: "渠道",
    Role.SYSTEM: "系统",
}
UNIT_KIND = {
    UnitKind.DEPARTMENT: "职能部门",
    UnitKind.DISTRICT: "县市区",
    UnitKind.STREET: "街道/乡镇",
    UnitKind.UTILITY: "公共企事业单位",
    UnitKind.EXPERT: "专家坐席",
}
LIMIT_UNIT = {LimitUnit.MINUTES: "分钟", LimitUnit.HOURS: "小时", LimitUnit.WORKING_DAYS: "个工作日"}
STAGE = {Stage.SIGN: "签收", Stage.HANDLE: "办理", Stage.CALLBACK: "回访", Stage.SUPERVISION: "督办"}
TRANSFER_KIND = {
    TransferKind.EMERGENCY: "紧急电话",
    TransferKind.EXPERT: "专家坐席",
    TransferKind.UNIT: "单位",
}
# What each timeline event is called (ticket page, unit portal, seat, desk); also the verb of a
# refused move ("话务员不能退单").
ACTION = {
    Action.CREATE: "登记",
    Action.CLOSE_ON_SPOT: "即问即答办结",
    Action.REJECT: "不予受理",
    Action.MERGE: "并案",
    Action.DISPATCH: "派单",
    Action.SIGN: "签收",
    Action.RETURN: "退单",
    Action.REDISPATCH: "改派",
    Action.OVERRULE_RETURN: "退单不予认可",
    Action.REQUEST_EXTENSION: "申请延期",
    Action.APPROVE_EXTENSION: "批准延期",
    Action.DENY_EXTENSION: "驳回延期",
    Action.CONTACT: "联系群众",
    Action.REPLY: "答复",
    Action.CALLBACK_SATISFIED: "回访（满意）",
    Action.CALLBACK_UNSATISFIED: "回访（不满意，重办）",
    Action.CALLBACK_ATTEMPT_FAILED: "回访未接通",
    Action.CALLBACK_UNREACHABLE: "回访联系不上",
    Action.CLOSE_WITHOUT_CALLBACK: "不回访办结",
    Action.SUPERVISE: "督办",
    Action.RESOLVE_SUPERVISION: "督办办结",
    Action.FOLLOW_MASTER: "随主件回访",
    Action.COMMENT: "备注",
}
CARD = {Card.NONE: "正常", Card.YELLOW: "黄牌", Card.RED: "红牌"}
REQUEST_STATE = {
    RequestState.PENDING: "待审批",
    RequestState.APPROVED: "已批准",
    RequestState.DENIED: "未批准",
}
# How the core's own doings are signed on a timeline (a merged ticket following its master).
SYSTEM_ACTOR_NAME = "自动"
LOCAL_ZONE = ZoneInfo("Asia/Shanghai")


def name(table: Mapping[Any, str], code: object) -> str:
    """The Chinese name of ``code`` in ``table``; an unknown code as it is (never a KeyError)."""
    return table.get(str(code), str(code))


def local_time(value: datetime, zone: ZoneInfo = LOCAL_ZONE) -> str:
    """A moment as a person in the city reads it: ``12月8日 17:30`` (Asia/Shanghai by default)."""
    moment = value.astimezone(zone)
    return f"{moment.month}月{moment.day}日 {moment:%H:%M}"


# Field names as a refusal names them ("标题不能为空"): the core's inputs and the API's fields.
FIELD = {
    "action": "操作",
    "active": "是否启用",
    "actor_id": "操作人",
    "address": "地址",
    "address_string": "地址",
    "answer": "答复内容",
    "api_key": "接口密钥",
    "approve": "审批意见",
    "article_id": "知识条目",
    "body": "正文",
    "by": "统计维度",
    "call_id": "来电",
    "call_linkedid": "来电编号",
    "callback": "回访",
    "caller_name": "来电人姓名",
    "caller_phone": "来电号码",
    "category_id": "诉求类别",
    "channel": "渠道",
    "co_unit_codes": "协办单位",
    "code": "代码",
    "complex": "是否疑难",
    "confidential": "是否保密",
    "confirm_low_quality": "确认提交",
    "confirm_phone": "确认号码",
    "consent_callback": "同意回访",
    "consent_recording": "同意录音",
    "content": "诉求内容",
    "created_before": "登记时间止",
    "created_from": "登记时间起",
    "day": "日期",
    "default_unit_code": "默认承办单位",
    "description": "诉求描述",
    "display_name": "姓名",
    "district": "区县",
    "due_at": "期限",
    "end": "结束时间",
    "end_date": "结束日期",
    "expires_on": "到期日",
    "extension": "号码",
    "first_name": "名",
    "flag_id": "督办事项",
    "handle_amount": "办理时限",
    "handle_unit": "办理时限单位",
    "hotline_number": "热线号码",
    "interface": "话机接口",
    "key_id": "密钥",
    "keywords": "关键词",
    "kind": "类型",
    "last_name": "姓",
    "lat": "纬度",
    "liaison_name": "联络人",
    "liaison_phone": "联络电话",
    "limit": "条数",
    "linkedid": "通话编号",
    "long": "经度",
    "master_id": "主工单",
    "mode": "方式",
    "month": "月份",
    "name": "名称",
    "nature": "诉求性质",
    "note": "说明",
    "number": "号码",
    "offset": "起始位置",
    "owner_unit_id": "所属单位",
    "parent_code": "上级单位",
    "parent_id": "上级类别",
    "partner": "合作方",
    "password": "密码",
    "phone": "电话",
    "policy_id": "时限规则",
    "priority": "优先级",
    "q": "搜索词",
    "query": "搜索词",
    "reached": "是否接通",
    "reason": "理由",
    "recording": "录音",
    "reply": "答复内容",
    "request_id": "申请",
    "returned": "是否退回",
    "role": "角色",
    "satisfaction": "满意度",
    "service_code": "服务代码",
    "service_request_id": "诉求编号",
    "share_number": "共享号码",
    "short_name": "简称",
    "sign_amount": "签收时限",
    "sign_unit": "签收时限单位",
    "solved": "是否解决",
    "sort_order": "排序",
    "start": "开始时间",
    "start_date": "开始日期",
    "state": "状态",
    "status": "状态",
    "step": "步骤",
    "street": "街道",
    "suggested_unit_code": "建议承办单位",
    "target": "转接目标",
    "target_id": "对象",
    "target_kind": "对象类型",
    "text": "内容",
    "ticket_id": "工单",
    "title": "标题",
    "top": "前几名",
    "unit": "单位",
    "unit_code": "单位代码",
    "unit_id": "单位",
    "urgency": "紧急程度",
    "user_id": "用户",
    "username": "用户名",
    "utility": "公共事业",
    "version": "模型版本",
    "when": "发生时间",
    "who": "涉及对象",
    "workday": "是否工作日",
    "working_days": "工作日数",
    "year": "年份",
}
