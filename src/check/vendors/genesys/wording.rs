//! How Genesys Cloud's refusals read: its login host says "authentication failed" for a wrong secret, a client
//! it does not know may live in another region, and secrets are regenerated during SSO roll-outs (which are not
//! the cause: SSO governs interactive logins, not the client-credentials grant). Facts: facts/genesys.md.

use crate::check::exchange::interpret::context::Wording;
use crate::check::report::words::Words;
use crate::surface::Input;
use crate::words;

/// Genesys Cloud's wording of a refused client.
pub static WORDING: Wording = Wording {
    name: "Genesys Cloud",
    secret_refused: &["authentication failed"],
    unknown_client_causes,
    bad_secret_causes,
    bad_secret_note: Some(
        " SAML/SSO enforcement is not the cause: it governs interactive user logins, not the client-credentials \
         grant.",
    ),
};

fn unknown_client_causes() -> Vec<Words> {
    vec![
        words![
            "the client lives in another Genesys Cloud region (check ",
            Input::GenesysRegion,
            " against the organisation's region)"
        ],
        words!["the client was deleted"],
        words!["the client id is mistyped or belongs to another organisation"],
    ]
}

fn bad_secret_causes(origin: &Words) -> Vec<Words> {
    vec![
        words![
            "the secret was regenerated (often during an SSO roll-out or a security review) and ",
            origin,
            " still holds the old one"
        ],
        words![
            "the client lives in another Genesys Cloud region, whose login host answers the same way"
        ],
        words!["the stored secret has a trailing newline or space, or belongs to another client"],
    ]
}
