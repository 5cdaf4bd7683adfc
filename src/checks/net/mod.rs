//! The network kit the checks share: everything a check uses to talk to the
//! network safely, and nothing that is one check's own.
//!
//! - [`resolver`]: the one DNS resolver, with its bound on queries in flight;
//! - [`reverse_dns`]: PTR names and their forward confirmation;
//! - [`address_policy`]: which addresses may be probed at all;
//! - [`slots`]: turns at one server, so the bot never floods a host;
//! - [`tls`]: the TLS handshake and the judgement of a certificate;
//! - [`transcript`]: the bounded, printable record of a dialogue;
//! - [`probe`]: what every server test shares (target parsing and its input error,
//!   steps and their clock, resolve + policy + a turn + connect, the TLS steps, the
//!   line reader, the report's head);
//! - [`mailbox`]: the one engine of the incoming-server tests, written over a
//!   `Dialect` that `imap` and `pop3` supply.
//!
//! The check folders beside this one (`checks::smtp`, `checks::mx`, ...) build on
//! these; nothing here knows which check is calling.

pub mod address_policy;
pub mod mailbox;
pub mod probe;
pub mod resolver;
pub mod reverse_dns;
pub mod slots;
pub mod tls;
pub mod transcript;
