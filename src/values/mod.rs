//! The small value types every layer shares: what a user typed once it is known to be
//! valid (a domain name, an email address, a span of time), the mail protocols of the
//! settings page, secrets that must never be shown, and the verdict of a check.
//!
//! This is the bottom layer: it imports nothing else of the crate, so the catalogue,
//! the checks, the renderers and the entry points can all use it without cycles.

pub mod domain;
pub mod email;
pub mod protocol;
pub mod secret;
pub mod span;
pub mod verdict;

pub use domain::{DomainError, DomainName};
pub use email::{EmailAddress, EmailError};
pub use protocol::Protocol;
pub use secret::Secret;
pub use span::{Span, SpanError};
pub use verdict::Verdict;
