# Area "supervisor" (issue 19, points 9 and 10): the supervisor pages in
# staff words, and what every page says of itself.

## What a page says of itself to search engines and link previews.
meta-default = paydesk: help when a bill or wallet payment failed, in Chinese and English.
meta-home = Your bill or wallet payment failed? Find what went wrong, try the checks that fit, and ask for help if it still fails.
meta-help = { $symptom }: the checks to try first, and how to ask for help if the payment still fails.
meta-new-ticket = Ask for help with a failed payment: one short form, and a private link to follow your request.
