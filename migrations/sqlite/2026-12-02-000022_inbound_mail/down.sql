DROP TABLE reply_addresses;
DROP TABLE inbound_mail;
