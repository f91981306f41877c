//! What every stage speaks, at the bottom of the tree: secrets that redact themselves and zero on drop
//! ([`secret`]), the clock ([`clock`]), what servers say and the one scrubber it passes ([`heard`]), and one
//! capped HTTP exchange ([`http`]).

pub mod clock;
pub mod heard;
pub mod http;
pub mod secret;
