DROP TABLE escalation_mail_answers;
DROP TABLE packet_reply_addresses;
