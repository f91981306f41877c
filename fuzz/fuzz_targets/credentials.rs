//! Key material and JWTs as users and CI systems hand them over: PEM text (keys, certificates, encrypted keys,
//! garbage), PKCS#12 bytes with a password, and JWTs decoded for their facts (`check::credential`). Never
//! panics; every refusal is one line; a loaded key signs; the facts of any JWT describe themselves on one line.
//!
//! Input: one byte picks the reader, its low four bits modulo 6 (`0` to `5` in a seed): the rest as PKCS#12
//! bytes with an empty password, the same with `pfx-password`, then as text: a PEM private key, PEM
//! certificates, a JWT's facts, and the secret of an HS256 assertion. One reader an input: a key that loads is
//! an RSA or EC key checked and used to sign, a PKCS#12 file that opens has its MAC derived, and most inputs are
//! meant for one reader only.
#![no_main]

use std::sync::OnceLock;

use authcheck::check::Plain;
use authcheck::check::internals::credential::{jwt, keys};
use authcheck::check::internals::heard::Scrubber;
use authcheck::check::internals::secret::Secret;
use authcheck::surface::Input;
use libfuzzer_sys::fuzz_target;

fn assert_one_line(what: &str, text: &str) {
    assert!(
        !text.contains(char::is_control),
        "{what} is not one line: {text:?}"
    );
}

/// The scrubber facts are described with, made once.
fn scrubber() -> &'static Scrubber {
    static SCRUB: OnceLock<Scrubber> = OnceLock::new();
    SCRUB.get_or_init(Scrubber::default)
}

fn pkcs12(data: &[u8], password: &str) {
    if let Err((_, (summary, detail))) = keys::from_pkcs12(
        Input::Pkcs12File,
        data,
        &Secret::new(password),
        Input::Pkcs12PasswordEnv,
    ) {
        assert_one_line("pkcs12 summary", &summary.render(&Plain));
        let _ = detail.render(&Plain);
    }
}

fn pem_key(text: &str) {
    match keys::from_pem(Input::PrivateKeyFile, text) {
        Ok((key, _)) => {
            let alg = key.default_alg();
            assert!(key.fits(alg));
            assert!(key.sign(alg, b"x").is_some(), "a loaded key must sign");
        }
        Err((summary, _)) => assert_one_line("pem summary", &summary.render(&Plain)),
    }
}

fn certificates(text: &str) {
    if let Err((summary, _)) = keys::certificates_from_pem(Input::CertificateFile, text) {
        assert_one_line("certificate summary", &summary.render(&Plain));
    }
}

fn jwt_facts(text: &str) {
    if let Some(facts) = jwt::facts_of(text) {
        assert_one_line("jwt facts", &facts.describe(scrubber()));
    }
}

/// A secret of any shape signs an HS256 assertion whose facts read back.
fn hs256_assertion(text: &str) {
    let secret = Secret::new(text);
    let signer = jwt::Signer::Secret(&secret);
    if let Ok((token, facts)) = jwt::assertion(
        &signer,
        keys::Alg::Hs256,
        "client",
        "https://idp/token",
        Some(text),
        None,
    ) {
        assert_eq!(jwt::facts_of(token.expose()), Some(facts.clone()));
        let described = facts.describe(scrubber());
        assert_one_line("assertion facts", &described);
        assert!(!described.contains(token.expose()));
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&reader, rest)) = data.split_first() else {
        return;
    };
    let reader = usize::from(reader & 0x0f) % 6;
    match reader {
        0 => return pkcs12(rest, ""),
        1 => return pkcs12(rest, "pfx-password"),
        _ => {}
    }
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match reader {
        2 => pem_key(text),
        3 => certificates(text),
        4 => jwt_facts(text),
        _ => hs256_assertion(text),
    }
});
