//! Integration tests: what customers and integrations do, over HTTP, against
//! a real server and a real database (SQLite, or PostgreSQL when
//! `PAYDESK_TEST_DATABASE_URL` is set).

mod accounts;
mod after_filing;
mod aliyun_standin;
mod api;
mod api_contract;
mod authz;
mod cli;
mod complaint;
mod completeness;
mod concurrency;
mod conformance;
mod durability;
mod e2e;
mod feed;
mod forms;
mod hostile;
mod inbound;
mod insight;
mod intake_form;
mod learning;
mod leftovers;
mod lighthouse;
mod mail;
mod many_servers;
mod ops;
mod pages;
mod payments;
mod rest_api;
mod retention;
mod routing;
mod satisfaction;
mod schema;
mod security;
mod sms;
mod staff;
mod supervisor_pages;
mod support;
mod tracking;
mod triage;
mod webhooks;
mod word_search;
mod words;
mod working_time;
