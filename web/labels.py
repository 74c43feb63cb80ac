"""Chinese names of the core's vocabulary, for pages and exports (the API keeps the codes)."""

from hotline.enums import (
    CallDirection,
    CallOutcome,
    Channel,
    Nature,
    RejectReason,
    Role,
    Satisfaction,
    SeatState,
    Stage,
    TicketStatus,
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
STAGE = {Stage.SIGN: "签收", Stage.HANDLE: "办理", Stage.CALLBACK: "回访", Stage.SUPERVISION: "督办"}
PAUSE_REASONS = ("小休", "用餐", "培训", "会议", "话后整理")
