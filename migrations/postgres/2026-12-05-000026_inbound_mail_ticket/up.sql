-- The email received about a ticket, found by ticket: the per-ticket limit
-- on emails an hour (src/inbound) and the retention purge, which blanks the
-- sender and subject when it anonymises the ticket.
CREATE INDEX inbound_mail_ticket ON inbound_mail (ticket_id, received_at);

-- Tickets anonymised before the purge did this: their email's sender and
-- subject go now.
UPDATE inbound_mail SET sender = '', subject = ''
WHERE ticket_id IN (SELECT id FROM tickets WHERE contact_email = '');
