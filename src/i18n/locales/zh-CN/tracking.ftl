# 提交之后客户看到的页面：按情况说明接下来会怎样、我们需要您提供什么、
# 专属链接、找回求助。

next-title = 接下来
next-within-one-hour = 1 小时
next-within-hours = { $n } 小时
next-within-days = { $n } 天
next-review-first = 客服人员会在 { $within }内（北京时间 { $time } 前）查看您的求助，并在这里告诉您下一步。
next-review-later = 我们正在处理您的求助，争取在北京时间 { $time } 前解决。有进展会显示在这里，并发到您的邮箱。
next-provider = 我们会核对支付机构的记录和您的账单。如果钱已扣除而账单没有到账，我们会为您补记账单，或把钱退还给您。
next-provider-after = 如果 { $days } 天内仍未解决，我们会提交给支付机构处理，并在这里告诉您。
next-provider-dont-pay = 核实期间请不要重复缴费，以免被重复扣款。
next-self_service = 请先按上面的步骤试一试。如果仍然不行，请在下方写下发生了什么，客服人员会在 { $within }内接手处理。
next-auto-close = 如果到北京时间 { $time }（开始等待后 { $within }）仍未收到您的回复，此求助会自动关闭。如需保持开启，请在本页给我们留言，哪怕只写“还是不行”也可以。求助关闭后，您在这里留言即可重新打开。
next-platform-who = 这种缴费只有平台才能开通，我们无法自行开通。
next-platform-how = 主管会审核您的求助，并与其他用户关于同一种缴费的求助一起提交给平台。平台答复后，我们会在这里并通过邮件告诉您。平台需要多长时间，我们无法确定。
next-platform-meanwhile = 在此期间，您可以换一种方式缴费：
next-platform-hall = 到营业厅办理，带上户号，或户主身份证和地址
next-platform-web = 通过缴费单位的官网或官方应用缴费
next-platform-wallet = 在钱包的“生活缴费”或“城市服务”里用户号缴费
next-engineering = 这看起来是我们服务的故障。客服人员会在 { $within }内确认，随后由工程师修复；修好后我们会在这里告诉您，并说明是否需要更新应用。
next-extra-risk_control = 如果钱包或银行要求您验证身份，请按提示完成，很多时候这样就能解决。
next-waiting = 我们在等您回复我们的问题。收到后会马上继续处理。
next-done = 我们认为此求助已经解决。如果问题仍在，请在下方留言，求助会重新打开。
next-closed = 此求助已关闭。如果问题仍在，请在下方留言，求助会重新打开；如果是新的问题，请重新提交求助。
next-merged = 此求助已与另一条相同问题的求助合并，我们的客服会在那里继续处理。您在下方留言，他们同样会收到。

created-intro-platform = 我们已收到您的求助。这笔缴费目前还无法在这里完成，原因和其他缴费方式请见下方。
created-link-field = 您的专属链接（选中即可复制）
created-copy = 复制链接
created-copied = 链接已复制。
created-emailed = 我们也已把本页的链接发到 { $email }（那是单独的私密链接，两个链接都可以用）。
created-lost = 以后找不到链接了？凭编号和邮箱即可申请新的链接。

need-title = 我们需要您提供
need-asked = 我们在北京时间 { $time } 的留言：
need-missing = 还缺少：
need-answer = 请在下方回复。

find-title = 找回我的请求
find-link = 找不到链接？找回我的请求
find-intro = 找不到专属链接了？请输入求助编号和您留下的邮箱。如果两者与某个求助相符，我们会把新的链接发到该邮箱。
find-reference = 求助编号
find-reference-hint = 以 PD- 开头，例如 PD-7KM3QX。可以在我们发给您的邮件里找到。
find-email = 邮箱
find-submit = 给我发新链接
find-sent = 如果该编号和邮箱与某个求助相符，我们已把新的链接发到该邮箱。邮件可能要几分钟才到，也请看看垃圾邮件。您之前的链接仍然有效。
find-limit = 您在短时间内申请了好几次。请等 { $minutes } 分钟后再试。如果链接已经发出，它正在路上。
find-errors = 请检查以下内容：
find-error-reference = 请输入求助编号，例如 PD-7KM3QX。
find-error-email = 请输入您留下的邮箱，例如 name@example.com。

mail-fresh_link-subject = [{ $reference }] 您的求助链接
mail-fresh_link-body = 有人（希望是您本人）在我们网站上申请了这个求助的链接。这是新的链接，之前的链接仍然有效。
mail-fresh_link-after = 如果不是您本人操作，可以忽略这封邮件：没有我们发到这个邮箱的链接，谁也打不开您的求助。
mail-received-body-review = 谢谢。我们已收到您关于支付失败的求助。客服人员会在 { $within }内查看。您可以在求助页面上查看进度并补充信息。
mail-received-body-self_service = 谢谢。我们已收到您关于支付失败的求助。这类问题通常可以自己解决：请按下面的步骤试一试；如果仍然不行，请在求助页面上告诉我们。如果 { $within }内没有收到您的回复，求助会自动关闭；在页面上留言即可保持开启。
mail-received-body-platform = 谢谢。我们已收到您关于支付失败的求助。
promise-by = 北京时间 { $when } 前
promise-after-holiday = ，{ $holiday }假期之后
promise-provisional = （该日前后的节假日安排尚未全部公布，暂只按周末计算）
promise-working = { $span }工作时间
next-review-first-by = 客服人员会在{ $by }查看您的求助，并在这里告诉您下一步。
mail-received-body-review-by = 谢谢。我们已收到您关于支付失败的求助。客服人员会在{ $by }查看。您可以在求助页面上查看进度并补充信息。
