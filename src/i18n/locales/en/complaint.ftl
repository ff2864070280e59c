# "Not solved? Ask for a supervisor" (issue 20): the tracking page, the
# timeline, staff pages and the supervisors' mail.
complaint-title = Not solved? Ask for a supervisor
complaint-title-open = A supervisor has your request
complaint-next = A supervisor reads your reason and answers you here within { $within }. Your request moves to the top of the queue.
complaint-kind = What went wrong
complaint-kind-none = Choose one (optional)
complaint-kind-not_solved = My problem is not solved
complaint-kind-too_slow = It is taking too long
complaint-kind-wrong_answer = The answer does not fit my case
complaint-kind-other = Something else
complaint-reason = Tell the supervisor why
complaint-button = Ask for a supervisor
complaint-reason-required = Please tell us why, so the supervisor can act on it.
complaint-open = You asked for a supervisor on { $time }. A supervisor will answer by { $due }.
complaint-refused-open = You have already asked for a supervisor. They will answer you here; there is no need to ask again.
complaint-refused-not-yet = You can ask for a supervisor once your request is resolved, or if it waits past the time we promised. It is still within that time.
event-complaint = You asked for a supervisor
staff-event-complaint = Customer asked for a supervisor
staff-complaint-badge = Complaint
staff-complaint-since = The customer asked for a supervisor on { $time }. A public reply, or resolving the ticket, ends the complaint.
staff-complaint-filter = Complaints
staff-complaint-filter-open = Open complaints only
sv-head-complaints = open complaints (customer asked for a supervisor)
mail-complaint-subject = [{ $reference }] A customer asked for a supervisor
mail-complaint-body = The customer says their request is not solved, or waited past its promise, and asks for a supervisor. Their reason:
mail-complaint-after = The ticket is now urgent. Answer the customer in public, or resolve the ticket, to end the complaint.
