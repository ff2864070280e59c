# Area "supervisor" (issue 19, points 9 and 10): the supervisor pages in
# staff words, and what every page says of itself.

## What a page says of itself to search engines and link previews.
meta-default = paydesk: help when a bill or wallet payment failed, in Chinese and English.
meta-home = Your bill or wallet payment failed? Find what went wrong, try the checks that fit, and ask for help if it still fails.
meta-help = { $symptom }: the checks to try first, and how to ask for help if the payment still fails.
meta-new-ticket = Ask for help with a failed payment: one short form, and a private link to follow your request.

## Why a case was escalated (a routing rule, in words).
sv-rule-deducted-not-credited-too-long = Money taken and still not credited after the waiting time
sv-rule-scenario-not-allowed-by-platform = The platform does not allow this payment
sv-rule-message-says-not-supported = The screen said the payment is not supported
sv-rule-description-says-not-supported = The customer wrote that the payment is not supported
sv-rule-product-fault-message = The screen showed a fault of the product
sv-rule-pay-button-inert-on-allowed-scenario = The pay button does nothing on an allowed payment
sv-rule-description-says-product-fault = The customer described a fault of the product
sv-rule-money-taken-bill-unpaid = Money taken, bill still unpaid
sv-rule-set-by-hand = Kind of case set by hand
sv-rule-everything-else = No rule matched
sv-rule-busy-or-timeout = The screen said the system was busy or timed out
sv-rule-declined-or-limit = The screen said the payment was declined or over a limit
sv-rule-description-says-busy-or-timeout = The customer wrote that it was busy or timed out
sv-rule-description-says-declined-or-limit = The customer wrote that it was declined or over a limit
sv-rule-description-says-login-expired = The customer wrote that their login expired
sv-rule-description-says-money-taken = The customer wrote that money was taken
sv-rule-description-says-network-or-app = The customer described a network or app problem
sv-rule-description-says-risk = The customer wrote that a risk check blocked it
sv-rule-fails-at-login = It fails at the login step
sv-rule-login-expired = The screen said the login expired
sv-rule-message-says-money-taken = The screen said money was taken
sv-rule-network-or-app = The screen showed a network or app error
sv-rule-no-money-taken = The provider says no money was taken
sv-rule-number-not-found = The provider does not know this order number
sv-rule-paid-and-credited = The provider says paid, and the bill is credited
sv-rule-paid-not-credited = The provider says paid, but the bill is not credited
sv-rule-refund-under-way = The provider says a refund is under way or done
sv-rule-risk-control = The screen said a risk check blocked it
sv-rule-stuck-after-network-check = Stuck loading after the customer switched network
sv-rule-stuck-without-network-check = Stuck loading; the network not yet switched
sv-why-platform = Only the platform can enable this payment
sv-why-engineering = Looks like a fault in the product
sv-why-provider = The payment provider must trace the money
sv-cause-intake = On filing
sv-cause-agent_correction = After an agent corrected the facts
sv-cause-customer_facts = After the customer added facts
sv-cause-set_by_hand = Set by hand
sv-cause-learned_phrase = After a phrase was learned
sv-cause-payment_check = After the payment was checked
sv-fact-error-code = Error code
sv-fact-not-tried = Not tried yet
sv-fact-scenario-not-allowed = The platform does not allow this payment
sv-fact-scenario-allowed = The platform allows this payment
sv-fact-text-contains = The text contains
sv-fact-code-of = Code { $code } ({ $source }'s own code)
sv-fact-message-says = The screen says { $words } ({ $source })
sv-fact-description-says = The customer wrote { $words } ({ $source })
sv-source-wechat_pay = WeChat Pay
sv-source-alipay = Alipay
sv-source-unionpay = UnionPay
sv-source-paydesk = paydesk
sv-source-wording = common wording
sv-source-learned = learned from tickets

## Incidents.
sv-spike-title = Spike: { $what }
sv-match-city = A city (write it below)
sv-match-hint = New tickets of this kind, at this step or in this city join the incident while it is open.
sv-city-hint = Only when matching a city: its name as customers write it, e.g. 上海.

## The dashboard.
sv-head-title = Right now
sv-head-open = open
sv-head-overdue = overdue (past their due time)
sv-head-waiting = waiting on the customer
sv-head-today = filed today
sv-head-review = escalations to review
sv-chart-empty = No tickets in this period.
sv-chart-empty-now = No open tickets right now.
sv-chart-empty-escalations = No escalations in this period.
sv-chart-empty-answers = No answers from platforms in this period.

## Escalations: the packet before it leaves.
sv-packet-preview = See the packet as it will be sent
sv-packet-to = To
sv-packet-no-contact = Nobody yet: this platform has no contact address.
sv-packet-subject = Subject
sv-packet-attachments = Attached
sv-packet-no-attachments = No screenshots
sv-packet-text = The packet's text
sv-approve-heading = Approve and send the packet
sv-approve-hint = The packet above goes to { $to }.
sv-send-back-heading = Or send it back to the agents
sv-send-back-reason = Why it goes back (the agents read this)

## The audit log: what was done, in words.
sv-action-sign_in = Signed in
sv-action-assign = Assigned
sv-action-status = Changed the status
sv-action-priority = Changed the priority
sv-action-reply = Replied to the customer
sv-action-note = Added an internal note
sv-action-ask_missing = Asked for missing facts
sv-action-merge = Merged tickets
sv-action-user_add = Added a staff account
sv-action-user_edit = Changed a staff account
sv-action-canned_edit = Edited a canned reply
sv-action-token_create = Created an API token
sv-action-token_revoke = Revoked an API token
sv-action-mail_retry = Sent an email again
sv-action-incident_proposed = Incident proposed (spike)
sv-action-incident_create = Created an incident
sv-action-incident_accept = Accepted an incident
sv-action-incident_dismiss = Dismissed an incident
sv-action-incident_link = Linked a ticket to an incident
sv-action-incident_unlink = Unlinked a ticket from an incident
sv-action-incident_update = Sent an incident update
sv-action-incident_resolve = Resolved an incident
sv-action-correct_facts = Corrected the facts
sv-action-escalation_answer = Recorded an escalation's answer
sv-action-escalation_approve = Approved and sent an escalation
sv-action-escalation_send_back = Sent an escalation back
sv-action-password_change = Changed a password
sv-action-payment_check = Checked a payment
sv-action-platform_edit = Changed a platform's settings
sv-action-refund_track = Followed a refund
sv-action-resolve_with_message = Resolved with a message
sv-action-routing_phrase_add = Taught routing a phrase
sv-action-routing_phrase_delete = Removed a learned phrase
sv-action-sign_out_elsewhere = Signed out other devices
sv-action-webhook_add = Added a webhook
sv-action-webhook_remove = Removed a webhook
sv-action-retention_screenshots_purged = Screenshots deleted (retention)
sv-action-retention_email_anonymised = Email address removed (retention)
esc-outcome-required = Choose whether the answer approved or declined the request; what you typed is kept below.
esc-done-approved = Approved: the packet is on its way.
esc-done-sent_back = Sent back to the agents with your reason.
esc-done-answered = Answer recorded; the customers are told.
audit-sent-to = sent to
sv-fact-set-by = set by { $name }
sv-action-calendar_import = Imported a holiday feed
sv-action-calendar_queue = Set a queue's calendar
sv-action-calendar_day = Set a calendar's day
audit-calendar-import = { $closed } closed days, { $open } make-up working days
