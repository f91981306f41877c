//! The `authcheck` command; everything lives in the library.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(authcheck::cli::main(args));
}
