app-name = paydesk
app-tagline = Help with failed bill and wallet payments
lang-name = English
lang-switch = 中文
skip-to-content = Skip to content
footer-privacy = We keep only a masked account number and what you send us to solve this case.

home-title = Payment failed? Let's sort it out.
home-intro = Tell us what happened. Many failed payments are fixed in a minute with the right check, and if not, a person will help you.
home-pick = What happened?
home-track = Already asked for help? Open the private link we gave you to follow your request.

help-title = Try these first
help-intro = Most failed payments clear up with one of these checks. Try them in order:
help-still-failing = Still not working? Ask for help
help-still-failing-note = A person will look at your case. Tell us which checks you tried: it saves you a round-trip.
help-fixed = Fixed? Then there is nothing else to do.
help-other-symptom = Something else happened

symptom-error_shown = An error message appeared
symptom-stuck_loading = It keeps loading, or says the system is busy
symptom-button_inert = The pay button does nothing
symptom-money_taken_not_paid = Money was taken but the bill is still unpaid
symptom-other = Something else

selfcheck-other_network = Switch network: from Wi-Fi to mobile data, or back, then try again.
selfcheck-update_app = Update the app you pay in to its latest version, then restart it.
selfcheck-clear_cache = Close the app completely (or clear its cache) and open it again.
selfcheck-log_in_again = Log out and log in again, and accept the login authorisation when asked.
selfcheck-balance_and_limits = Check your balance and your card's limits (quick-pay and per-payment limits, especially on credit cards).
selfcheck-small_purchase = Test the card with a small purchase somewhere else.
selfcheck-retry_later = If it says the system is busy, wait 10 to 30 minutes and try again: the start of the month is busy.
selfcheck-other_wallet = Pay another way: switch between WeChat Pay and Alipay, or use another card.
selfcheck-check_bank_record = Check your bank or wallet record: note the time, the amount and the order or transaction number.
selfcheck-wait_for_refund = Do not pay again yet. A payment that did not complete is usually returned automatically; if not, we will get it back for you.
selfcheck-other_channels = Meanwhile you can pay at the utility's service hall, on its own website or app, or in your wallet's bill-payment section.

form-title = Ask for help
form-intro = Fill in what you can. Fields marked required are what an agent needs to act at once.
form-errors-summary = Some information is missing or needs a fix. The fields are marked below.
form-required = required
form-optional = optional
form-choose = Choose…
form-section-payment = What you were paying
form-section-failure = Where it went wrong
form-section-account = Your bill
form-section-checks = What you already tried
form-section-money = Money taken: details we need to trace it
form-section-contact = How we reach you
form-screenshot-kept = Your screenshot { $name } is kept. Choose another file only to replace it.
form-submit = Send my request

field-platform = App you were paying in
field-payment_scenario = What you were paying
field-payment_method = Payment method
field-failing_step = The step where it failed
field-symptom = What happened
field-error_code = Error code
field-error_message = Error message as shown
field-city = City of the bill
field-account_number = Account number
field-screenshot = Screenshot of the error
field-checks_tried = Checks you already tried
field-occurred_at = When it happened
field-amount = Amount (yuan)
field-order_number = Order or transaction number
field-contact_email = Email
field-description = Anything else we should know
field-message = Your message

hint-error_code = For example 101 or 202, if one was shown.
hint-error_message = Copy the words exactly, e.g. 余额不足 or "system busy".
hint-city = The city where the bill is issued, e.g. 上海.
hint-account_number = You may hide the middle with *. We keep only the first 2 and last 4 characters.
hint-screenshot = A full screenshot of the error: PNG, JPEG or WebP, up to { $max }. Required when an error message appeared.
hint-checks_tried = Tick every one you tried. At least one.
hint-occurred_at = China time. Required when money was taken.
hint-amount = Required when money was taken.
hint-order_number = From your wallet or bank record. Required when money was taken.
hint-contact_email = We write to you here about this request only.

platform-wechat = WeChat (mini-program)
platform-alipay = Alipay (mini-program)
platform-utility_app = The utility's own app
platform-bank_app = A bank's app
platform-other = Other

scenario-electricity_bill = Electricity bill
scenario-water_bill = Water bill
scenario-gas_bill = Gas bill
scenario-prepaid_package = Prepaid package
scenario-outpatient_fee = Outpatient fee
scenario-hospital_deposit = Hospital deposit
scenario-other = Something else

method-wechat_pay = WeChat Pay
method-alipay = Alipay
method-bank_card = Bank card
method-other = Other

step-open_or_login = Opening the app or logging in
step-choose_bill = Choosing the bill
step-enter_account = Entering the account number
step-confirm_amount = Confirming the amount
step-tap_pay = Tapping "Pay"
step-wallet_handoff = Switching to the wallet app
step-verification = Password, fingerprint or SMS code
step-result_page = The result page

check-switched_network = Switched network (Wi-Fi ↔ mobile data)
check-relogged_in = Logged out and in again
check-other_card = Tried another card
check-other_wallet = Tried another wallet
check-updated_app = Updated the app
check-retried_later = Waited and tried again later
check-small_purchase_test = Tested the card with a small purchase

status-new = Received
status-open = Being handled
status-pending_customer = Waiting for your answer
status-pending_platform = Waiting for the platform
status-resolved = Resolved
status-closed = Closed

err-required = Please fill this in.
err-choose = Please choose one.
err-unknown-choice = Please choose one of the listed options.
err-checks-required = Tick at least one check you already tried.
err-too-long = Please shorten this to { $max } characters or fewer.
err-bad-characters = This contains characters we cannot accept (control or direction characters).
err-email = Please enter a valid email address, like name@example.com.
err-account-characters = Use only the digits and letters of the account number (you may hide some with *).
err-account-length = An account number has 6 to 32 characters. Please check it.
err-account-too-hidden = Please leave the last 4 characters visible so we can find your account.
err-error-detail-required = Type the error code or the message shown on the screen.
err-screenshot-required = Add a screenshot of the error message.
err-screenshot-empty = The chosen file is empty. Please choose the screenshot again.
err-screenshot-too-large = The screenshot is too large. Please send one under { $max }.
err-screenshot-not-image = This file is not a PNG, JPEG or WebP image. Please choose a screenshot.
err-screenshot-dimensions = This image's size is not valid. Please choose a normal screenshot.
err-screenshot-expired = Your earlier screenshot has expired. Please choose it again.
err-date-format = Please give the date and time, e.g. 2026-11-21 09:30.
err-date-future = This time is in the future. Please check it.
err-amount-format = Please give the amount in yuan, e.g. 128.50.
err-amount-range = Please check the amount.
err-order-number-format = Use only the letters, digits and dashes of the order number.
err-message-required = Write a message or add a screenshot.

created-title = Request received
created-intro = Thank you. We have your request and everything we need to start.
created-reference = Your reference
created-reference-note = Give this reference if you contact us another way.
created-link = Your private link
created-link-note = Save or bookmark this link: it is how you follow and answer your request. Anyone who has it can see the request, so do not share it.
created-next = What happens next
created-next-review = A person reviews your request, usually within 24 hours.
created-next-ask = If we need anything else, we ask on your request page.
created-open = Open my request page

track-title = Request { $reference }
track-status = Status
track-filed = Filed
track-facts = What you told us
track-screenshots = Screenshots
track-timeline = Updates
track-add = Add information
track-add-intro = Answer a question, add a detail, or send another screenshot.
track-send = Send
track-sent = Thank you, your message was added.
track-none = Not given

event-created = You filed this request.
event-customer_message = You wrote
event-public_reply = Support replied
event-status_changed = Status changed

error-title = Something went wrong
error-back = Back to the start
