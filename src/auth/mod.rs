//! Who is asking: staff sign-in (passwords, sessions, throttling), API
//! tokens, and CSRF protection for every form.

pub mod csrf;
pub mod device;
pub mod password;
pub mod staff;
pub mod throttle;

pub use staff::{ApiStaff, Staff};
