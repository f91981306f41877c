//! The outcome as data, and the vocabulary every stage speaks it in: why a check ended and how each step went
//! ([`reason`]), the named steps ([`step`]), the diagnosis' typed lines ([`diagnosis`]), what a check learns and
//! how it ends and the [`Report`] that joins them ([`findings`]), a failed request explained
//! ([`failure`]), what a refusal can mean ([`refusal`]), sentences that keep input references typed ([`words`]),
//! and each output's value for the faces ([`values`]).

pub mod diagnosis;
pub mod failure;
pub mod findings;
pub mod reason;
pub mod refusal;
pub mod step;
pub mod values;
pub mod words;

pub use diagnosis::{Diagnosis, Line};
pub use failure::{Failure, Retry};
pub use findings::{Findings, Outcome, Report};
pub use reason::{PermissionsSource, Reason, ScopesSource, Status};
pub use refusal::ErrorCode;
pub use step::{CheckItem, Step};
