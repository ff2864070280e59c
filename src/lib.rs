//! paydesk: the help desk for people whose bill or wallet payment failed.
//!
//! - `domain`: the rules (what a complete request is, masking, vocabularies), pure.
//! - `ops`: one function per business operation, each one transaction.
//! - `payments`: asking payment providers and the merchant's order system
//!   about a ticket's payment.
//! - `db`: storage on SQLite or PostgreSQL: connections, schema, queries.
//! - `web`: routes, pages and the JSON API.
//! - `webhooks`: telling registered endpoints what changed, signed.
//! - `present`: how stored values read: money, China time, labels, and the
//!   ticket document the API and webhooks share.
//! - `clock`: the time everything agrees on.
//! - `i18n`: Simplified Chinese and English texts.
//! - `demo`: synthetic tickets for trying the product and for benchmarks.
// The OpenAPI document (web::api::openapi) is one large `json!`.
#![recursion_limit = "512"]

pub mod auth;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod inbound;
pub mod jobs;
pub mod mail;
pub mod ops;
pub mod payments;
pub mod present;
pub mod routing;
pub mod sms;
pub mod startup;
pub mod web;
pub mod webhooks;
