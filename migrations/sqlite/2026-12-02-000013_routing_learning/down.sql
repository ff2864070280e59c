DROP TABLE routing_decisions;
DROP TABLE routing_phrases;
