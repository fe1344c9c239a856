//! Shared helpers for the integration tests: a scripted fake FTP server, the steps its
//! scripts are written with, and TLS certificates made at run time.

#![allow(dead_code)]

pub mod fake_server;
pub mod script;
pub mod tls;
