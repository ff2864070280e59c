DROP TABLE provider_nonces;
