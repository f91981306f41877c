//! The binary Terraform launches; everything lives in the library.

use authcheck::plugin::serve::{self, MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE, Mode};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = if args.iter().any(|a| a == "--debug") {
        serve::main(Mode::Debug)
    } else if std::env::var(MAGIC_COOKIE_KEY).ok().as_deref() == Some(MAGIC_COOKIE_VALUE) {
        serve::main(Mode::Managed)
    } else {
        eprint!("{}", serve::RUN_BY_HAND);
        1
    };
    std::process::exit(code);
}
