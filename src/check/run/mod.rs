//! The last stage and the driver: [`resolve`](mod@resolve) turns the faces' inputs into a check (the vendor of
//! the check chooses the endpoint and reads its own environment); [`steps`] runs the stages in order, handing
//! each stage's output to the next and the vendor's follow-ups to the outcome; [`budget`] keeps a check inside
//! its time and cancellable; [`shared`] lets identical checks in one process share one run.

pub mod budget;
pub mod resolve;
pub mod shared;
pub mod steps;

pub use budget::Cancel;
pub use resolve::validate;
pub use shared::{run, run_for_token, run_fresh};
