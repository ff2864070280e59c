## 满意度评价（第 20 号议题）：向客户提问、评价页面、主管跟进列表和看板。

rate-question = 问题解决了吗？
rate-good = 解决了
rate-bad = 没有解决
rate-your-answer = 您的回答
rate-reason = 哪里不满意？
rate-reason-none = 请选择原因
rate-comment = 还有什么想告诉我们的吗？
rate-send = 提交
rate-back = 返回我的求助
rate-thanks = 谢谢您的反馈，我们会继续改进。
rate-reopened = 很抱歉问题还没有解决。您的求助已重新打开，您的留言已转给处理过它的客服，预计 { $within }内答复。如有补充，可在求助页面继续留言。
rate-already = 您已经评价过这次处理，谢谢。我们以您第一次的评价为准。
rate-already-thanks = 谢谢您的反馈。如果问题再次出现，请在下方给我们留言。
rate-not-resolved = 这个求助已重新处理中，暂时无需评价。问题解决后我们会再请您评价。
rate-error-choose = 请选择“解决了”或“没有解决”。
rate-error-too-long = 补充说明请不要超过 { $max } 个字。
rate-error-characters = 补充说明里有无法接受的字符，请删除后重试。
rate-reason-money_not_back = 钱还没退回
rate-reason-too_slow = 处理太慢
rate-reason-steps_failed = 按步骤操作了还是不行
rate-reason-still_cannot_pay = 还是无法用这种方式缴费
rate-reason-still_blocked = 支付仍被限制
rate-reason-still_broken = 问题还在
rate-reason-not_answered = 没有回答我的问题
rate-reason-other = 其他原因
rate-verdict-good = 已解决
rate-verdict-bad = 未解决
rate-nobody = 无人

event-rated = 客户评价了处理结果
sv-action-rating_follow_up = 跟进了差评

nav-ratings = 评价
ratings-title = 待跟进的差评
ratings-intro = 这些客户表示问题没有解决。请联系客户或重新打开工单，然后标记为已跟进。
ratings-none = 没有待跟进的差评。
ratings-done = 已标记为已跟进。
ratings-follow-up = 标记为已跟进

dash-satisfaction = 满意度
dash-sat-by-kind = 解决率（按问题类型）
dash-sat-by-queue = 解决率（按队列）
dash-sat-by-agent = 解决率（按客服）
dash-sat-empty = 这段时间没有评价。
dash-sat-group = 分组方式
dash-sat-value = 分组
dash-sat-good = 已解决
dash-sat-count = 评价数
dash-sat-share = 解决率
dash-sat-of = { $total } 个评价中 { $good } 个已解决
