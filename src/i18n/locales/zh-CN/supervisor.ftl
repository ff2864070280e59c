# 区域 "supervisor"（issue 19 第 9、10 点）：主管页面用员工的话说；每个页面的描述。

## 页面对搜索引擎和链接预览的自我介绍。
meta-default = paydesk：账单或钱包支付失败时的帮助，支持中文和英文。
meta-home = 缴费或钱包支付失败了？先看看是哪里出了问题，试试对应的自查步骤，仍然不行再向我们求助。
meta-help = { $symptom }：建议先试的几步，以及仍无法支付时如何求助。
meta-new-ticket = 支付失败求助：填一张简短的表，之后可通过专属链接查看处理进度。

## 升级的原因（路由规则的说明）。
sv-rule-deducted-not-credited-too-long = 已扣款，等待期过后仍未到账
sv-rule-scenario-not-allowed-by-platform = 平台未开通此支付场景
sv-rule-message-says-not-supported = 屏幕提示不支持此项支付
sv-rule-description-says-not-supported = 客户描述中说不支持此项支付
sv-rule-product-fault-message = 屏幕提示为产品故障
sv-rule-pay-button-inert-on-allowed-scenario = 已开通的场景中点击支付没有反应
sv-rule-description-says-product-fault = 客户描述的是产品故障
sv-rule-money-taken-bill-unpaid = 已扣款，账单仍未缴
sv-rule-set-by-hand = 问题类型由人工设定
sv-rule-everything-else = 没有匹配的规则
sv-why-platform = 只有平台才能开通这项支付
sv-why-engineering = 疑似产品故障
sv-why-provider = 需要支付机构核查资金去向
sv-cause-intake = 提交时
sv-cause-agent_correction = 客服更正信息后
sv-cause-customer_facts = 客户补充信息后
sv-cause-set_by_hand = 人工设定
sv-cause-learned_phrase = 学习新说法后
sv-cause-payment_check = 核查支付后
sv-fact-error-code = 错误码
sv-fact-not-tried = 尚未尝试
sv-fact-scenario-not-allowed = 平台未开通此支付场景
sv-fact-scenario-allowed = 平台已开通此支付场景
sv-fact-text-contains = 文字中包含

## 事件。
sv-spike-title = 激增：{ $what }
sv-match-city = 某个城市（在下面填写）
sv-match-hint = 事件处理期间，这一类型、这一步骤或这个城市的新工单会自动加入。
sv-city-hint = 仅在按城市匹配时填写：按客户的写法，例如“上海”。

## 看板。
sv-head-title = 当前概况
sv-head-open = 未结工单
sv-head-overdue = 已超时（超过处理时限）
sv-head-waiting = 等待客户回复
sv-head-today = 今日新建
sv-head-review = 待审核的升级
sv-chart-empty = 此期间没有工单。
sv-chart-empty-now = 目前没有未结工单。
sv-chart-empty-escalations = 此期间没有升级。
sv-chart-empty-answers = 此期间平台没有答复。

## 升级：发出前预览材料。
sv-packet-preview = 查看将要发出的材料
sv-packet-to = 收件人
sv-packet-no-contact = 暂无：该平台还没有联系邮箱。
sv-packet-subject = 主题
sv-packet-attachments = 附件
sv-packet-no-attachments = 没有截图
sv-packet-text = 材料正文
sv-approve-heading = 批准并发送材料
sv-approve-hint = 上面的材料将发送至 { $to }。
sv-send-back-heading = 或退回给客服
sv-send-back-reason = 退回原因（客服会看到）

## 审计日志：所做操作的说明。
sv-action-sign_in = 登录
sv-action-assign = 分配工单
sv-action-status = 更改状态
sv-action-priority = 更改优先级
sv-action-reply = 回复客户
sv-action-note = 添加内部备注
sv-action-ask_missing = 请客户补充信息
sv-action-merge = 合并工单
sv-action-user_add = 新增员工账号
sv-action-user_edit = 修改员工账号
sv-action-canned_edit = 编辑快捷回复
sv-action-token_create = 创建 API 令牌
sv-action-token_revoke = 撤销 API 令牌
sv-action-mail_retry = 重新发送邮件
sv-action-incident_proposed = 系统提议事件（激增）
sv-action-incident_create = 创建事件
sv-action-incident_accept = 接受事件
sv-action-incident_dismiss = 驳回事件
sv-action-incident_link = 将工单关联到事件
sv-action-incident_unlink = 取消工单与事件的关联
sv-action-incident_update = 发送事件进展
sv-action-incident_resolve = 解决事件
sv-action-correct_facts = 更正信息
sv-action-escalation_answer = 记录升级的答复
sv-action-escalation_approve = 批准并发送升级材料
sv-action-escalation_send_back = 退回升级
sv-action-password_change = 修改密码
sv-action-payment_check = 核查支付
sv-action-platform_edit = 修改平台设置
sv-action-refund_track = 跟进退款
sv-action-resolve_with_message = 附言后解决
sv-action-routing_phrase_add = 教会路由一个新说法
sv-action-routing_phrase_delete = 删除已学说法
sv-action-sign_out_elsewhere = 退出其他设备
sv-action-webhook_add = 添加 Webhook
sv-action-webhook_remove = 删除 Webhook
sv-action-retention_screenshots_purged = 删除截图（保存期满）
sv-action-retention_email_anonymised = 删除邮箱地址（保存期满）
esc-outcome-required = 请选择答复是同意还是拒绝；您输入的内容已保留在下方。
esc-done-approved = 已批准：资料包正在发出。
esc-done-sent_back = 已附上您的理由退回给客服。
esc-done-answered = 答复已记录，并已告知客户。
