//! A minimal logging seam: the engine says what it does; each face decides where that goes.

use std::sync::OnceLock;

/// Log severity, as hclog names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Very chatty detail.
    Trace,
    /// Detail for debugging.
    Debug,
    /// Normal operation.
    Info,
    /// Something worth attention.
    Warn,
    /// A failure.
    Error,
}

impl Level {
    /// hclog's level name.
    pub fn name(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// Where log lines go: a message plus key/value fields. Never given secrets.
pub type Sink = fn(Level, &str, &[(&str, &str)]);

static SINK: OnceLock<Sink> = OnceLock::new();

/// Installs the process-wide sink; later calls are ignored.
pub fn set_sink(sink: Sink) {
    let _ = SINK.set(sink);
}

/// Emits one log line when a sink is installed.
pub fn emit(level: Level, message: &str, fields: &[(&str, &str)]) {
    if let Some(sink) = SINK.get() {
        sink(level, message, fields);
    }
}
