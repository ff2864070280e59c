# The customer's pages after filing: next steps per kind of case, what we
# need from the customer, the private link, finding a request again.

next-title = What happens next
next-within-one-hour = an hour
next-within-hours = { $n } hours
next-within-days = { $n } days
next-review-first = A person reviews your request within { $within } (by { $time }, Beijing time) and tells you the next step here.
next-review-later = We are working on your request and aim to settle it by { $time } (Beijing time). Any news appears here and in your email.
next-provider = We check your payment against the payment provider's records and your bill. If the money was taken and the bill was not credited, the bill is credited or the money is refunded to you.
next-provider-after = If it is not settled within { $days } days, we take it to the payment provider and tell you here.
next-provider-dont-pay = Please do not pay this bill again while we check: the money could be taken twice.
next-self_service = Please try the steps above first. If they do not help, write below what happened: a person then takes your request up within { $within }.
next-auto-close = If we hear nothing from you by { $time } (Beijing time, { $within } after we began waiting), this request closes by itself. To keep it open, write to us on this page, even just "it still fails". A closed request reopens when you write here.
next-platform-who = Only the platform can enable this payment scenario; we cannot switch it on ourselves.
next-platform-how = A supervisor reviews your request and sends it to the platform, together with other customers' requests about the same payment. When the platform answers, we tell you here and by email. We cannot say how long the platform takes.
next-platform-meanwhile = Meanwhile, you can pay another way:
next-platform-hall = at the utility's service hall, with the account number or the holder's ID and address
next-platform-web = on the utility's own website or official app
next-platform-wallet = in your wallet's bill-payment or city-services section, with the account number
next-engineering = This looks like a fault in our service. A person confirms it within { $within }; our engineers then fix it, and we tell you here when it works again and whether you need to update the app.
next-extra-risk_control = If your wallet or bank asks you to verify your identity, follow its steps: often that is all it takes.
next-waiting = We are waiting for your answer to our question. As soon as it arrives, we go on.
next-done = We consider this request resolved. Not solved? Write below and it reopens.
next-closed = This request is closed. If the problem is still there, write below and it reopens; for a different problem, please file a new request.
next-merged = This request was merged into another one about the same problem, where our team goes on with it. If you write below, your message reaches them too.

created-intro-platform = We have your request. This payment cannot be made here yet: below is why, and how you can pay meanwhile.
created-link-field = Your private link (select it to copy)
created-copy = Copy link
created-copied = Link copied.
created-emailed = We also emailed a link to this page to { $email } (a private one of its own; both work).
created-lost = Lost the link later? Ask for a fresh one with your reference and email.

need-title = What we need from you
need-asked = Our message of { $time } (Beijing time):
need-missing = Still missing:
need-answer = Please answer below.

find-title = Find my request
find-link = Lost your link? Find my request
find-intro = Lost your private link? Enter your request's reference and the email you gave us. If they match a request, we email a fresh link to that address.
find-reference = Reference
find-reference-hint = It starts with PD-, for example PD-7KM3QX. You find it in the email we sent you.
find-email = Email
find-submit = Send me a fresh link
find-sent = If this reference and email match a request, we've sent a fresh link to that email. It can take a few minutes to arrive; please check your spam folder too. Your earlier links keep working.
find-limit = You have asked several times in a short while. Please wait { $minutes } minutes and try again. If a link was already sent, it is on its way.
find-errors = Please check the form:
find-error-reference = Enter the reference, for example PD-7KM3QX.
find-error-email = Enter the email you gave us, for example name@example.com.

mail-fresh_link-subject = [{ $reference }] Your link to your request
mail-fresh_link-body = Someone, we hope you, asked on our website for the link to this request. Here is a fresh one. Your earlier links keep working.
mail-fresh_link-after = If it was not you, you can ignore this email: nobody can open your request without a link we sent to this address.
mail-received-body-review = Thank you. We have your request about a failed payment. A person reviews it within { $within }. You can follow it and add information on your request page.
mail-received-body-self_service = Thank you. We have your request about a failed payment. This is usually something you can fix yourself: please try the steps below, and if they do not help, write on your request page. If we hear nothing from you for { $within }, the request closes by itself; writing on the page keeps it open.
mail-received-body-platform = Thank you. We have your request about a failed payment.
promise-by = by { $when } (Beijing time)
promise-after-holiday = , after the { $holiday } holiday
promise-provisional = {" "}(the holidays around that day are not all published yet: we count weekends only)
promise-working = { $span } of working time
next-review-first-by = A person reviews your request { $by } and tells you the next step here.
mail-received-body-review-by = Thank you. We have your request about a failed payment. A person reviews it { $by }. You can follow it and add information on your request page.
