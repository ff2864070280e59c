## Satisfaction ratings (issue 20): the customer's question, its page, the
## supervisors' follow-up list and the dashboard section.

rate-question = Did this solve it?
rate-good = Yes, it's solved
rate-bad = No, not solved
rate-your-answer = Your answer
rate-reason = What went wrong?
rate-reason-none = Choose a reason
rate-comment = Anything else you'd like to tell us?
rate-send = Send my answer
rate-back = Back to my request
rate-thanks = Thank you. Your answer helps us do better.
rate-reopened = We're sorry it isn't solved. Your request is open again and your words are with the agent who handled it: expect an answer within { $within }. You can add anything else on your request page.
rate-already = You already told us about this answer, thank you. Your first answer is the one we keep.
rate-already-thanks = Thank you for telling us. If the problem comes back, just write to us below.
rate-not-resolved = This request is open again, so there is nothing to rate right now. We'll ask again once it is solved.
rate-error-choose = Choose "Yes, it's solved" or "No, not solved".
rate-error-too-long = Please keep your comment under { $max } characters.
rate-error-characters = Your comment contains characters we can't accept. Please remove them and try again.
rate-reason-money_not_back = The money isn't back yet
rate-reason-too_slow = It took too long
rate-reason-steps_failed = The steps didn't work
rate-reason-still_cannot_pay = I still can't pay this way
rate-reason-still_blocked = My payment is still blocked
rate-reason-still_broken = It still doesn't work
rate-reason-not_answered = My question wasn't answered
rate-reason-other = Something else
rate-verdict-good = Solved
rate-verdict-bad = Not solved
rate-nobody = Nobody

event-rated = Customer rated the answer
sv-action-rating_follow_up = Followed up a bad rating

nav-ratings = Ratings
ratings-title = Bad ratings to follow up
ratings-intro = Customers who said their problem was not solved. Contact them or reopen the ticket, then mark the rating followed up.
ratings-none = No bad ratings are waiting.
ratings-done = Marked as followed up.
ratings-follow-up = Mark followed up

dash-satisfaction = Satisfaction
dash-sat-by-kind = Solved, by kind of case
dash-sat-by-queue = Solved, by queue
dash-sat-by-agent = Solved, by agent
dash-sat-empty = No ratings in this period.
dash-sat-group = Grouped by
dash-sat-value = Value
dash-sat-good = Solved
dash-sat-count = Ratings
dash-sat-share = Share solved
dash-sat-of = { $good } of { $total } solved
