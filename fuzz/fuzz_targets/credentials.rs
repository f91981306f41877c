//! Key material and JWTs as users and CI systems hand them over: PEM text (keys, certificates, encrypted keys,
//! garbage), PKCS#12 bytes with a password, and JWTs decoded for their facts (`check::credential`). Never
//! panics; every refusal is one line; the facts of any JWT describe themselves on one line.
#![no_main]

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

fuzz_target!(|data: &[u8]| {
    // PKCS#12: the bytes with an empty and a fixed password.
    for password in ["", "pfx-password"] {
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
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match keys::from_pem(Input::PrivateKeyFile, text) {
        Ok((key, _)) => {
            let alg = key.default_alg();
            assert!(key.fits(alg));
            assert!(key.sign(alg, b"x").is_some(), "a loaded key must sign");
        }
        Err((summary, _)) => assert_one_line("pem summary", &summary.render(&Plain)),
    }
    if let Err((summary, _)) = keys::certificates_from_pem(Input::CertificateFile, text) {
        assert_one_line("certificate summary", &summary.render(&Plain));
    }
    if let Some(facts) = jwt::facts_of(text) {
        assert_one_line("jwt facts", &facts.describe(&Scrubber::default()));
    }
    // A secret of any shape signs an HS256 assertion whose facts read back.
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
        assert_one_line("assertion facts", &facts.describe(&Scrubber::default()));
        assert!(
            !facts
                .describe(&Scrubber::default())
                .contains(token.expose())
        );
    }
});
