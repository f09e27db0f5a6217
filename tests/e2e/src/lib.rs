//! End-to-end tests live in `tests/`: a real Icinga 2 runs the shipped CheckCommands against the
//! real test servers. This crate has no code of its own.
