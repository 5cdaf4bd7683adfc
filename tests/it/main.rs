//! The integration tests: one test binary, a module per area, all driving the real
//! code and the real `echoterra-bot` binary against real servers on 127.0.0.1 only
//! (a fake Discord, an in-process DNS server, SMTP, IMAP and POP3 servers with real
//! TLS; see [`support`]).

mod support;

mod blacklist;
mod buttons;
mod cli;
mod discord;
mod discord_checks;
mod discord_openapi;
mod discord_watch;
mod dispatch;
mod domain;
mod fake_discord_channels;
mod golden;
mod imap;
mod mx;
mod pop3;
mod port_mixups;
mod resolver;
mod serve;
mod serve_hostile;
mod smtp;
mod spf;
mod spf_conformance;
mod spf_inputs;
mod startup;
mod store;
mod trust;
mod watch;
