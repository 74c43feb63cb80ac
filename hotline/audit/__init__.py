"""The audit trail (操作日志): who changed what, when, with the values before and after."""
