DROP TABLE payment_checks;
DROP TABLE payment_jobs;
