//! Shared helpers for the integration tests: a scripted fake FTP server.

#![allow(dead_code)]

pub mod fake_server;
pub mod tls;
