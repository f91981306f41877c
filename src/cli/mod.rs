//! The `authcheck` command: argument parsing, text and JSON reports, and the `external` protocol.
