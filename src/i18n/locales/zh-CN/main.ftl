app-name = paydesk
app-tagline = 缴费、钱包支付失败求助
lang-name = 中文
lang-switch = English
skip-to-content = 跳到正文
footer-privacy = 我们只保存打码后的户号，以及您为解决此问题而提供的信息。

home-title = 支付失败？我们帮您解决。
home-intro = 告诉我们发生了什么。很多支付失败只需一步正确的检查就能解决；如果还不行，会有客服人员为您处理。
home-pick = 遇到了什么情况？
home-track = 已经提交过求助？请打开我们给您的专属链接查看进度。

help-title = 请先试试这些
help-intro = 大多数支付失败通过以下检查即可解决，请按顺序尝试：
help-still-failing = 还是不行？提交求助
help-still-failing-note = 会有客服人员查看您的问题。请告诉我们您已尝试过哪些检查，可以少来回沟通一次。
help-fixed = 已经解决了？那就不用再做什么了。
help-other-symptom = 是其他情况

symptom-error_shown = 出现了错误提示
symptom-stuck_loading = 一直加载中，或提示系统繁忙
symptom-button_inert = 点击支付按钮没有反应
symptom-money_taken_not_paid = 已扣款但账单仍显示未缴
symptom-other = 其他情况

selfcheck-other_network = 切换网络：从 Wi-Fi 切换到移动数据（或反过来），然后重试。
selfcheck-update_app = 把您用来缴费的应用更新到最新版本，然后重新打开。
selfcheck-clear_cache = 完全关闭应用（或清除缓存）后重新打开。
selfcheck-log_in_again = 退出登录后重新登录，并在提示时同意登录授权。
selfcheck-balance_and_limits = 检查余额和银行卡限额（快捷支付限额、单笔限额，信用卡尤其要注意）。
selfcheck-small_purchase = 用这张卡在别处做一笔小额消费，确认卡片可以正常使用。
selfcheck-retry_later = 如果提示系统繁忙，请等 10 到 30 分钟再试：月初是缴费高峰。
selfcheck-other_wallet = 换一种方式支付：在微信支付和支付宝之间切换，或换一张卡。
selfcheck-check_bank_record = 查看银行或钱包的扣款记录：记下时间、金额和订单号或交易号。
selfcheck-wait_for_refund = 请先不要重复缴费。未完成的支付通常会自动退回；如果没有退回，我们会帮您追回。
selfcheck-other_channels = 在此期间，您可以到供电（水、气）公司营业厅、其官网或官方应用缴费，或使用钱包里的“生活缴费”功能。

form-title = 提交求助
form-intro = 请尽量填写。标为“必填”的信息是客服立即处理所需要的。
form-errors-summary = 有些信息缺失或需要修改，请查看下方标出的项目。
form-required = 必填
form-optional = 选填
form-choose = 请选择…
form-section-payment = 您在缴什么费
form-section-failure = 在哪一步出了问题
form-section-account = 账单信息
form-section-checks = 您已经尝试过的检查
form-section-money = 已扣款：我们追查所需的信息
form-section-contact = 联系方式
form-screenshot-kept = 已保留您的截图 { $name }。只有需要更换时才需重新选择文件。
form-submit = 提交求助

field-platform = 缴费所用的应用
field-payment_scenario = 缴费项目
field-payment_method = 支付方式
field-failing_step = 出问题的步骤
field-symptom = 发生的情况
field-error_code = 错误代码
field-error_message = 屏幕上显示的错误提示
field-city = 账单所在城市
field-account_number = 户号
field-screenshot = 错误提示截图
field-checks_tried = 已尝试过的检查
field-occurred_at = 发生时间
field-amount = 金额（元）
field-order_number = 订单号或交易号
field-contact_email = 电子邮箱
field-description = 其他需要说明的情况
field-message = 您的留言

hint-error_code = 例如 101 或 202（如有显示）。
hint-error_message = 请照原文填写，例如“余额不足”或“系统繁忙”。
hint-city = 出账单的城市，例如：上海。
hint-account_number = 中间部分可用 * 隐藏。我们只保存前 2 位和后 4 位。
hint-screenshot = 错误提示的完整截图：PNG、JPEG 或 WebP，不超过 { $max }。出现错误提示时必须提供。
hint-checks_tried = 勾选所有已尝试过的项目，至少一项。
hint-occurred_at = 北京时间。已扣款时必填。
hint-amount = 已扣款时必填。
hint-order_number = 见钱包或银行的扣款记录。已扣款时必填。
hint-contact_email = 我们只会就此次求助与您联系。

platform-wechat = 微信（小程序）
platform-alipay = 支付宝（小程序）
platform-utility_app = 供电（水、气）公司官方应用
platform-bank_app = 银行应用
platform-other = 其他

scenario-electricity_bill = 电费
scenario-water_bill = 水费
scenario-gas_bill = 燃气费
scenario-prepaid_package = 预付费套餐
scenario-outpatient_fee = 门诊缴费
scenario-hospital_deposit = 住院押金
scenario-other = 其他

method-wechat_pay = 微信支付
method-alipay = 支付宝
method-bank_card = 银行卡
method-other = 其他

step-open_or_login = 打开应用或登录
step-choose_bill = 选择账单
step-enter_account = 输入户号
step-confirm_amount = 确认金额
step-tap_pay = 点击“支付”
step-wallet_handoff = 跳转到钱包应用
step-verification = 输入密码、指纹或短信验证码
step-result_page = 支付结果页

check-switched_network = 切换过网络（Wi-Fi ↔ 移动数据）
check-relogged_in = 退出后重新登录过
check-other_card = 换过其他银行卡
check-other_wallet = 换过其他钱包
check-updated_app = 更新过应用
check-retried_later = 等了一段时间后重试过
check-small_purchase_test = 用小额消费测试过银行卡

status-new = 已受理
status-open = 处理中
status-pending_customer = 等待您的回复
status-pending_platform = 等待平台处理
status-resolved = 已解决
status-closed = 已关闭

err-required = 请填写此项。
err-choose = 请选择一项。
err-unknown-choice = 请从列出的选项中选择。
err-checks-required = 请至少勾选一项您已尝试过的检查。
err-too-long = 请缩短到 { $max } 个字符以内。
err-bad-characters = 内容中含有无法接受的字符（控制字符或文字方向字符）。
err-email = 请输入有效的电子邮箱，例如 name@example.com。
err-account-characters = 户号只能包含数字和字母（可用 * 隐藏部分）。
err-account-length = 户号应为 6 到 32 位，请检查。
err-account-too-hidden = 请保留后 4 位可见，以便我们找到您的账户。
err-error-detail-required = 请填写错误代码或屏幕上显示的错误提示。
err-screenshot-required = 请添加错误提示的截图。
err-screenshot-empty = 所选文件是空的，请重新选择截图。
err-screenshot-too-large = 截图太大，请上传小于 { $max } 的图片。
err-screenshot-not-image = 该文件不是 PNG、JPEG 或 WebP 图片，请选择截图。
err-screenshot-dimensions = 图片尺寸无效，请选择正常的截图。
err-screenshot-expired = 之前的截图已过期，请重新选择。
err-date-format = 请填写日期和时间，例如 2026-11-21 09:30。
err-date-future = 这个时间还没到，请检查。
err-amount-format = 请以元为单位填写金额，例如 128.50。
err-amount-range = 请检查金额。
err-order-number-format = 订单号只能包含字母、数字和短横线。
err-message-required = 请填写留言或添加截图。

created-title = 求助已收到
created-intro = 谢谢。我们已收到您的求助，信息齐全，可以开始处理。
created-reference = 您的编号
created-reference-note = 如通过其他方式联系我们，请提供此编号。
created-link = 您的专属链接
created-link-note = 请保存或收藏此链接：通过它查看进度并回复我们。任何拿到链接的人都能看到这次求助，请不要分享。
created-next = 接下来
created-next-review = 客服人员会查看您的求助，通常在 24 小时内。
created-next-ask = 如果还需要其他信息，我们会在求助页面上询问您。
created-open = 打开我的求助页面

track-title = 求助 { $reference }
track-status = 状态
track-filed = 提交时间
track-facts = 您提供的信息
track-screenshots = 截图
track-timeline = 进展
track-add = 补充信息
track-add-intro = 回答问题、补充细节，或再发一张截图。
track-send = 发送
track-sent = 谢谢，您的留言已添加。
track-none = 未提供

event-created = 您提交了这次求助。
event-customer_message = 您的留言
event-public_reply = 客服回复
event-status_changed = 状态变更

error-title = 出错了
error-back = 返回首页
