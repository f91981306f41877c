//! What the interpretation knows about the request an answer is to (the host, the client, how it was presented,
//! the credential's facts) and the vendors' tables it reads refusals with: what a vendor's code or phrase means,
//! and the check's vendor's own wording. The vendors (`vendors/*/`) fill the tables in.

use crate::check::base::heard::{Lowered, Scrubber};
use crate::check::inputs::credential::jwt::AssertionFacts;
use crate::check::inputs::request::{AuthMethod, KeyCredential};
use crate::check::report::Failure;
use crate::check::report::refusal::{Cause, ErrorCode};
use crate::check::report::words::Words;
use crate::surface::Input;

/// What the check knows about the request, for wording the verdict.
#[derive(Clone)]
pub struct Context<'a> {
    /// Host (and port) of the token endpoint.
    pub host: &'a str,
    /// The client id sent.
    pub client_id: &'a str,
    /// How the client authenticated.
    pub method: AuthMethod,
    /// Where the secret came from, in words.
    pub secret_origin: &'a Words,
    /// The input to blame when the secret is wrong.
    pub secret_input: Input,
    /// Scopes requested.
    pub scopes: &'a [String],
    /// Removes the check's secrets from everything the server says.
    pub scrub: &'a Scrubber,
    /// The non-secret facts of the client assertion sent, when one was.
    pub assertion: Option<&'a AssertionFacts>,
    /// The key (and its certificate) that signed the assertion or made the TLS connection, when one did.
    pub key: Option<&'a KeyCredential>,
    /// Every registered vendor's codes and phrases, read in any answer (an Entra code comes from a plain token
    /// URL as much as from a tenant's).
    pub codes: &'a [&'a Codes],
    /// The selected vendor's own wording of a refused client, when it has one.
    pub wording: Option<&'a Wording>,
    /// The client authentication methods the server's metadata lists (those authcheck can present); empty when
    /// no metadata was read, as for a token URL given directly.
    pub listed_methods: &'a [AuthMethod],
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("host", &self.host)
            .field("client_id", &self.client_id)
            .field("method", &self.method)
            .finish_non_exhaustive()
    }
}

/// Fills in a failure whole, from what the server said (the refusal of a tenant that does not exist).
pub type Explain = fn(&mut Failure, &Said<'_>, &Context<'_>);

/// The vendor's own fix for a refused assertion, when it has one for this answer.
pub type Fix = fn(&Said<'_>, &Context<'_>) -> Option<Words>;

/// What the server said, as the readings see it.
pub struct Said<'a> {
    /// Its words, lower-cased, protocol identifiers blanked.
    pub lower: &'a Lowered,
    /// `" The server says: \"…\"."`, scrubbed, or nothing.
    pub quoted: &'a str,
}

/// What a vendor's code or phrase means.
#[derive(Clone, Copy)]
pub enum Meaning {
    /// Read the refusal as this RFC 6749 error (Entra's `invalid_request` for a malformed scope).
    Code(ErrorCode),
    /// Whatever the error code, this explains the refusal whole (a tenant that does not exist).
    Whole(Explain),
    /// When the client is refused, this explains why (no credential arrived where the server looked).
    Refused(Explain),
    /// The server has no such client.
    UnknownClient,
    /// The secret sent is not the client's current one.
    BadSecret,
    /// The client assertion or certificate was refused for this cause, with the vendor's fix when it has one.
    Assertion(Cause, Option<Fix>),
    /// Nothing beyond its hint.
    HintOnly,
}

/// One code of a vendor's table.
pub struct Code {
    /// The code as a number (7000215 for AADSTS7000215).
    pub code: u32,
    /// What it means.
    pub meaning: Meaning,
    /// A line worth reading first, in the vendor's terms.
    pub hint: Option<&'static str>,
}

/// A vendor's phrase that means something without a code.
pub struct Phrase {
    /// The words, lower case.
    pub words: &'static str,
    /// What they mean.
    pub meaning: Meaning,
    /// A line worth reading first.
    pub hint: Option<&'static str>,
}

/// One vendor's table.
pub struct Codes {
    /// Reads the vendor's code from the server's words, whole (`aadsts7000215` gives 7000215, never 700021).
    pub read: fn(&Lowered) -> Option<u32>,
    /// What each code means.
    pub codes: &'static [Code],
    /// The vendor's phrases.
    pub phrases: &'static [Phrase],
    /// The server's own clock, when its words state it.
    pub server_time: fn(&Lowered) -> Option<i64>,
}

/// No code, no phrase, no clock.
fn nothing<T>(_: &Lowered) -> Option<T> {
    None
}

impl Codes {
    /// A table of phrases only.
    pub const fn phrases(phrases: &'static [Phrase]) -> Codes {
        Codes {
            read: nothing,
            codes: &[],
            phrases,
            server_time: nothing,
        }
    }
}

/// The selected vendor's own wording of a refused client (Genesys Cloud names itself, its regions and its SSO
/// roll-outs).
pub struct Wording {
    /// The vendor's name in summaries ("Genesys Cloud rejected the client secret …").
    pub name: &'static str,
    /// Words that, from this vendor, mean the secret is wrong.
    pub secret_refused: &'static [&'static str],
    /// The likely causes of an unknown client.
    pub unknown_client_causes: fn() -> Vec<Words>,
    /// The likely causes of a refused secret, given where the secret came from.
    pub bad_secret_causes: fn(&Words) -> Vec<Words>,
    /// A sentence added to the fix for a refused secret.
    pub bad_secret_note: Option<&'static str>,
}

/// Shortens long ids for one-line summaries; the detail always has the whole id.
pub fn short(id: &str) -> String {
    if id.chars().count() > 24 {
        format!("{}…", id.chars().take(8).collect::<String>())
    } else {
        id.to_string()
    }
}
