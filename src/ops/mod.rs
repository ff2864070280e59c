//! The business operations, one function each: what staff, customers and the
//! clock do to tickets, escalations and incidents. Each opens its
//! transaction, reads what it acts on inside it (tickets locked: see
//! `db::backend::lock_ticket`), applies the domain's rule, writes the change
//! with its timeline entry, audit row, mail and counters, and commits once.
//! Web handlers and the API parse, call one of these, and render; pages read
//! straight from `db`.

pub mod calendars;
pub mod complaint;
pub mod escalation;
pub mod incident;
pub mod intake;
pub mod notify;
pub mod payments;
pub mod retention;
pub mod routing;
pub mod satisfaction;
pub mod search;
pub mod sla;
pub mod sms;
pub mod sweeps;
pub mod ticket;

pub use ticket::{Actor, Seen};
