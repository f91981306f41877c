//! Reading one answer with every vendor's table (the tables' types are in [`context`](super::context)): which
//! code or phrase is there, and what it means. The interpretation itself names no vendor.

use crate::check::base::heard::Lowered;
use crate::check::exchange::interpret::context::{Codes, Context, Explain, Meaning, Said};
use crate::check::report::refusal::{Cause, ErrorCode};
use crate::check::report::words::Words;

/// What every vendor's table found in one answer.
pub struct Readings {
    /// The meanings found, phrases before codes, in table order.
    meanings: Vec<(Meaning, Option<&'static str>)>,
    /// A vendor's code is in the words (even one outside its table): a coded answer names its one cause.
    pub coded: bool,
    /// The server's own clock, when its words state it.
    pub server_time: Option<i64>,
}

impl Readings {
    /// Reads `lower` with every table.
    pub fn of(lower: &Lowered, tables: &[&Codes]) -> Readings {
        let mut meanings = Vec::new();
        let mut coded = false;
        let mut server_time = None;
        for table in tables {
            for phrase in table.phrases {
                if lower.has(phrase.words) {
                    meanings.push((phrase.meaning, phrase.hint));
                }
            }
            if let Some(number) = (table.read)(lower) {
                coded = true;
                if let Some(code) = table.codes.iter().find(|c| c.code == number) {
                    meanings.push((code.meaning, code.hint));
                }
            }
            server_time = server_time.or_else(|| (table.server_time)(lower));
        }
        Readings {
            meanings,
            coded,
            server_time,
        }
    }

    /// The RFC 6749 error a vendor says this really is.
    pub fn code(&self) -> Option<ErrorCode> {
        self.meanings.iter().find_map(|(m, _)| match m {
            Meaning::Code(code) => Some(*code),
            _ => None,
        })
    }

    /// A vendor's explanation of the whole refusal.
    pub fn whole(&self) -> Option<Explain> {
        self.meanings.iter().find_map(|(m, _)| match m {
            Meaning::Whole(explain) => Some(*explain),
            _ => None,
        })
    }

    /// A vendor's explanation of a refused client.
    pub fn refused(&self) -> Option<Explain> {
        self.meanings.iter().find_map(|(m, _)| match m {
            Meaning::Refused(explain) => Some(*explain),
            _ => None,
        })
    }

    /// True when a vendor says the client is unknown.
    pub fn unknown_client(&self) -> bool {
        self.meanings
            .iter()
            .any(|(m, _)| matches!(m, Meaning::UnknownClient))
    }

    /// True when a vendor says the secret is wrong.
    pub fn bad_secret(&self) -> bool {
        self.meanings
            .iter()
            .any(|(m, _)| matches!(m, Meaning::BadSecret))
    }

    /// The refused assertion's cause a vendor names.
    pub fn cause(&self) -> Option<Cause> {
        self.meanings.iter().find_map(|(m, _)| match m {
            Meaning::Assertion(cause, _) => Some(*cause),
            _ => None,
        })
    }

    /// The vendor's fix for a refused assertion, when one applies.
    pub fn fix(&self, said: &Said<'_>, ctx: &Context<'_>) -> Option<Words> {
        self.meanings.iter().find_map(|(m, _)| match m {
            Meaning::Assertion(_, Some(fix)) => fix(said, ctx),
            _ => None,
        })
    }

    /// The vendors' hints, in the order they were found.
    pub fn hints(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.meanings.iter().filter_map(|(_, hint)| *hint)
    }
}
