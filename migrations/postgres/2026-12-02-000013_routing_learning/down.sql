DROP INDEX tickets_case_kind_created;
DROP TABLE routing_decisions;
DROP TABLE routing_phrases;
