//! The C ABI. Thin and mechanical: argument checks, type conversion, error mapping.

pub mod version;
