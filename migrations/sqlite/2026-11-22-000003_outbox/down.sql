DROP TABLE outbox;
DROP TABLE tracking_links;
