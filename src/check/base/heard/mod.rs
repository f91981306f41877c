//! What servers say, and the one way it reaches people.
//!
//! Everything that comes from outside the check (an answer's body, its headers, a JSON field, a JWT claim, a
//! library's words about a connection) is born here as [`Heard`], [`Json`] or an [`Answer`]. None of them has
//! `Display` or an accessor that hands their text out: code can ask questions of them (is it this word, does it
//! hold that one, which number is it), turn a token into a [`Secret`](crate::check::Secret), or quote them through the one
//! [`Scrubber`], whose [`Quoted`] is the only type that carries server text into a report. A path that forgets
//! the scrubber does not compile. Every buffer here is wiped when dropped, since an answer may hold a token.
//!
//! - [`answer`]: one HTTP answer (status, headers, the capped body in zeroing memory) and what its body is.
//! - [`json`]: a JSON document read without trusting it.
//! - [`xml`]: an XML document (AWS STS answers) read into a small tree of heard texts.
//! - [`scrub`]: the scrubber, and [`Quoted`], the scrubbed text it makes.

pub mod answer;
pub mod json;
pub mod scrub;
pub mod text;
pub mod xml;

pub use answer::{Answer, Body, Received};
pub use json::{Json, JsonRef};
pub use scrub::{Quoted, REDACTED, Scrubber};
pub use text::{Heard, Lowered, Number};
pub use xml::Xml;
