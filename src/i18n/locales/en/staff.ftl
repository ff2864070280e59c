# Staff pages (queue, ticket page, staff menu): written for agents and
# supervisors, about the customer ("Waiting on the customer"), never to them.
staff-status-new = New
staff-status-open = Open
staff-status-pending_customer = Waiting on the customer
staff-status-pending_platform = Waiting on the platform
staff-status-resolved = Resolved
staff-status-closed = Closed
staff-facts = What the customer told us
staff-timeline = Timeline
staff-screenshots = Customer's screenshots
staff-event-created = Customer filed this request
staff-event-customer_message = Customer wrote
staff-event-facts_added = Customer added details
staff-event-public_reply = Reply sent to the customer
staff-event-info_requested = Asked the customer for more information
staff-event-payment_found = Payment result shown to the customer
staff-event-out_of_scope = Out of scope: only the platform can enable this payment
staff-guide-out_of_scope = The customer was told that only the platform can enable this payment, and was given the other ways to pay.
staff-reply-then = Then set the status to
staff-reply-then-hint = After a reply the next move is usually the customer's: "Waiting on the customer" pauses the SLA clock.
staff-menu = Menu
staff-filters = Filters
staff-filters-active = { $count ->
    [one] 1 active
   *[other] { $count } active
}
staff-sort = Sort by
staff-sort-due = SLA due first
staff-sort-priority = Priority, urgent first
staff-sort-oldest = Oldest first
staff-sort-updated = Last updated first
staff-sort-left = Least working time left first
staff-sort-relevance = Best match when searching words, else due first
staff-left-working = { $time } of working time left
staff-left-always = { $time } left
staff-left-paused-customer = Clock paused: waiting on the customer
staff-left-paused-provider = Clock paused: a refund is under way at the provider
staff-left-span = { $h } h { $m } min
staff-col-words = Customer's words
staff-col-platform = Platform · amount
staff-col-age = Age
staff-col-priority = Priority
staff-col-status = Kind · status
staff-col-select = Select
staff-select-ticket = Select { $reference }
staff-replied = Customer replied
staff-no-words = (no description)
staff-age-minutes = { $n } min
staff-age-hours = { $n } h
staff-age-days = { $n } d
staff-age-title = Waiting since it was filed
staff-updated-ago = Updated { $age } ago
staff-bulk = Change the selected tickets
staff-bulk-hint = Tick tickets in the list, choose what to change, then apply. A ticket someone changed since this page was drawn is left as it is.
staff-bulk-keep = Leave as it is
staff-bulk-assign = Assign to
staff-bulk-status = Status
staff-bulk-priority = Priority
staff-bulk-apply = Apply to selected tickets
staff-bulk-none-selected = Tick at least one ticket first.
staff-bulk-no-change = Choose at least one change: an assignee, a status or a priority.
staff-bulk-updated = { $count ->
    [one] 1 updated
   *[other] { $count } updated
}
staff-bulk-stale = { $count ->
    [one] 1 changed by someone else meanwhile (left as it is; look again and retry)
   *[other] { $count } changed by someone else meanwhile (left as they are; look again and retry)
}
staff-bulk-unchanged = { $count ->
    [one] 1 already as chosen
   *[other] { $count } already as chosen
}
staff-bulk-refused = { $count ->
    [one] 1 refused (the change does not apply to it: closed, or not a status staff can set)
   *[other] { $count } refused (the change does not apply to them: closed, or not a status staff can set)
}
staff-change = Status, priority and assignee
staff-change-hint = Change any of the three, then save once.
staff-change-save = Save changes
staff-change-refused = This change is not possible for this ticket (staff cannot reopen a closed ticket: it reopens when its customer writes; some statuses are set by the system only). Nothing was changed.
staff-change-nothing = Nothing to save: the values are the ones the ticket already has.
staff-reply-message = Message to the customer
staff-outcome-separator = {", "}
staff-field-checks_tried = Checks the customer tried
staff-field-payment_scenario = What the customer was paying
staff-field-platform = App the customer paid in
staff-field-description = Customer's own words
staff-bulk-which = Left as they were: { $references }. They are still ticked below.
ticket-done-claim = You took this ticket.
ticket-done-assign = Assigned.
ticket-done-status = Status saved.
ticket-done-priority = Priority saved.
ticket-done-change = Changes saved.
ticket-done-note = Internal note added (the customer does not see it).
ticket-done-merge = Merged.
ticket-done-correct = Facts saved and the ticket routed again.
ticket-done-payment = Asked: the answer appears under "Payment" when it comes.
ticket-done-reply = Reply sent to the customer { $how }.
ticket-done-ask = Question sent to the customer { $how }.
ticket-done-how-sms = by SMS
ticket-done-how-email = by email
ticket-done-how-both = by SMS and email
ticket-done-how-page = on their request page only (their contact details were removed)
agent-search-ranked = Best matches first: what the screen said, then the customer’s words, then city and account; among the { $count } newest tickets holding every word. Sort by due time to page through all of them.
agent-search-everywhere = “{ $search }” looked through every ticket you may see, resolved and closed ones too: { $count } found. The tabs count the hits in each.
ticket-earlier-events = Show { $count } earlier entries
ticket-jump-reply = Reply
ticket-jump-timeline = Timeline
esc-text-hint = Customers read these words at the top of their request page and in the message, below what the answer means for them.
esc-text-lang = The answer above is written in (left unchosen: read from the text)
esc-lang-zh-CN = Chinese
esc-lang-en = English
esc-text-other = The same answer in the other language (customers who read it get this one)
cal-title = Working-time calendars
cal-intro = Due times and the promises customers read count only the working time of each queue's calendar: its weekly hours (China time), minus the closed days, plus the make-up working days (调休).
cal-queues = Which calendar each queue works by
cal-rules-file = The rules file's ({ $name })
cal-save = Save
cal-hours = Working hours (China time)
cal-all-day = All day, every day
cal-weekdays = Working days
cal-source = Where the days come from
cal-years = Years published
cal-provisional = { $year } is provisional: its holidays are not published yet, so only weekends count as closed.
cal-days = { $count } dated days
cal-open = working day (make-up)
cal-closed = closed
cal-usual = as the week says
cal-day = Day
cal-kind = The day is
cal-note = Note (e.g. the holiday's name)
cal-set-day = Set this day
cal-import = Import a holiday feed
cal-import-hint = An iCalendar (.ics) file: all-day events with CATEGORIES 节假日 / Holiday close a day, 调休 / Business Day open it; otherwise the title decides (…假期 or ending in 休: closed; 上班/补班 or ending in 班: open).
cal-name = Calendar
cal-feed = File
cal-import-button = Import
cal-done-queues = Saved: each queue works by the calendar shown.
cal-done-imported = Imported: the feed's days are in the calendar.
cal-done-day = Saved: the day is set.
cal-unknown = There is no calendar with that name.
cal-name-rule = A calendar's name is letters, digits and dashes (at most 40).
cal-not-ics = That file is not an iCalendar (.ics) file.
cal-day-rule = Choose a day and whether it is closed, a working day, or as the week says.
nav-calendars = Calendars
