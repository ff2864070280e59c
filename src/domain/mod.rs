//! Domain rules: pure Rust, no I/O. Once a value of these types exists it is
//! valid; the web layer parses into them and storage writes them.

pub mod account;
pub mod calendar;
pub mod calendar_ics;
pub mod canned;
pub mod china;
pub mod cities;
pub mod codes;
pub mod complaint;
pub mod completeness;
pub mod finding;
pub mod intake;
pub mod next_steps;
pub mod normalize;
pub mod reference;
pub mod retention;
pub mod satisfaction;
pub mod screenshot;
pub mod secret;
pub mod sla;
pub mod sms;
pub mod spikes;
pub mod text;
pub mod triage;
pub mod words;
