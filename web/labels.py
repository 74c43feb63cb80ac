"""Chinese names for pages and exports (the API keeps the codes).

The core's vocabulary is named once, in ``hotline.names``; this module re-exports those tables
and adds what only the web shows (the citizen's wording, the audit trail's codes).
"""

from hotline.enums import RejectReason, TicketStatus
from hotline.names import (
    ACTION,
    CALL_DIRECTION,
    CALL_OUTCOME,
    CARD,
    CHANNEL,
    LIMIT_UNIT,
    NATURE,
    REJECT_REASON,
    REQUEST_STATE,
    ROLE,
    SATISFACTION,
    SEAT_STATE,
    STAGE,
    STATUS,
    SYSTEM_ACTOR_NAME,
    TRANSFER_KIND,
    UNIT_KIND,
    URGENCY,
)

__all__ = [
    "ACTION",
    "AUDIT_ACTION",
    "AUDIT_TARGET",
    "CALL_DIRECTION",
    "CALL_OUTCOME",
    "CARD",
    "CHANNEL",
    "LIMIT_UNIT",
    "NATURE",
    "PAUSE_REASONS",
    "PUBLIC_REJECT_REASON",
    "PUBLIC_STATUS",
    "PUBLIC_STEP",
    "REJECT_REASON",
    "REQUEST_STATE",
    "ROLE",
    "SATISFACTION",
    "SEAT_STATE",
    "STAGE",
    "STATUS",
    "SYSTEM_ACTOR_NAME",
    "TRANSFER_KIND",
    "UNIT_KIND",
    "URGENCY",
]

# What a citizen reads on the public progress page: the stage in plain words, never the hotline's
# internal status names (a return to the dispatchers is still "being assigned" to the citizen).
PUBLIC_STATUS = {
    TicketStatus.DRAFT: "已受理，正在分派",
    TicketStatus.DISPATCHED: "已转交承办单位办理",
    TicketStatus.HANDLING: "承办单位正在办理",
    TicketStatus.RETURNED: "已受理，正在分派",
    TicketStatus.REPLIED: "承办单位已答复，等待回访",
    TicketStatus.CLOSED: "已办结",
    TicketStatus.REJECTED: "不予受理",
    TicketStatus.MERGED: "已与其他诉求合并办理",
}
# Why a request was not accepted, as the citizen is told it.
PUBLIC_REJECT_REASON = {
    RejectReason.EMERGENCY: "属于紧急情况，请直接拨打 110 / 119 / 120",
    RejectReason.OUT_OF_SCOPE: "不属于12345热线受理范围，请向有关部门反映",
    RejectReason.HARASSMENT: "不符合受理要求",
    RejectReason.NO_CONTENT: "诉求内容不明确，请写清具体事项后重新提交",
}
# The steps of the ticket's timeline the citizen sees (timeline action → words); others stay inside.
PUBLIC_STEP = {
    "create": "已受理",
    "dispatch": "已转交承办单位",
    "redispatch": "已改由其他承办单位办理",
    "sign": "承办单位已签收",
    "approve_extension": "办理期限已延长",
    "reply": "承办单位已答复",
    "callback_satisfied": "已回访，办结",
    "callback_unsatisfied": "已回访，重新办理",
    "callback_unreachable": "回访未接通，办结",
    "close_without_callback": "已答复，办结",
    "close_on_spot": "已答复，办结",
    "reject": "不予受理",
    "merge": "已与其他诉求合并办理",
}
PAUSE_REASONS = ("小休", "用餐", "培训", "会议", "话后整理")
# The audit trail's action codes (hotline.audit); a code not named here is shown as it is.
AUDIT_ACTION = {
    "user.create": "新建用户",
    "user.update": "修改用户",
    "user.deactivate": "停用用户",
    "user.reactivate": "启用用户",
    "user.password": "重置密码",
    "user.unlock": "解除锁定",
    "seat.create": "新建坐席",
    "seat.assign": "坐席分配",
    "unit.create": "新建单位",
    "unit.update": "修改单位",
    "category.create": "新建类别",
    "category.update": "修改类别/派单目录",
    "policy.create": "新建时限规则",
    "policy.update": "修改时限规则",
    "policy.delete": "删除时限规则",
    "holiday.set": "设置节假日",
    "holiday.remove": "删除节假日设置",
    "article.create": "新建知识",
    "article.update": "修改知识",
    "article.delete": "删除知识",
    "apikey.create": "新建接口密钥",
    "apikey.revoke": "吊销接口密钥",
    "transfer.create": "新建转接目标",
    "transfer.update": "修改转接目标",
    "transfer.delete": "删除转接目标",
    "login.ok": "登录成功",
    "login.failed": "登录失败",
    "logout": "退出登录",
    "export.report": "导出报表",
    "export.audit": "导出操作日志",
    "export.training": "导出训练数据",
    "ticket.view": "单位查看工单",
    "privacy.lookup": "查询个人信息",
    "privacy.export": "导出个人信息",
    "privacy.erase": "删除个人信息",
    "model.retrain": "开始训练分派模型",
    "model.promote": "启用分派模型",
    "model.rollback": "回退分派模型",
}
AUDIT_TARGET = {
    "user": "用户",
    "seat": "坐席",
    "unit": "单位",
    "category": "类别",
    "policy": "时限规则",
    "holiday": "节假日",
    "article": "知识",
    "apikey": "接口密钥",
    "transfer": "转接目标",
    "ticket": "工单",
    "report": "报表",
    "audit": "操作日志",
    "caller": "来电人",
    "model": "分派模型",
}
