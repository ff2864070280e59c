DROP INDEX inbound_mail_ticket;
