//! Signing keys and certificates from the formats clients hold them in: PEM (PKCS#8, PKCS#1, SEC1,
//! certificates) and PKCS#12 (`.pfx`, as Azure's tools hand them out). Every failure names the input and the fix.

use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, KeyPair,
    RsaKeyPair,
};
use base64::Engine;
use rustls_pki_types::pem::{self, SectionKind};
use sha2::{Digest, Sha256};

use crate::check::base::secret::{Secret, SecretBytes};
use crate::check::report::words::Words;
use crate::surface::Input;
use crate::words;

/// A JWS signing algorithm for client assertions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// RSASSA-PSS with SHA-256 (what Entra ID documents for certificate credentials).
    Ps256,
    /// ECDSA P-256 with SHA-256.
    Es256,
    /// ECDSA P-384 with SHA-384.
    Es384,
    /// HMAC SHA-256 over the client secret (client_secret_jwt).
    Hs256,
}

impl Alg {
    /// Every algorithm, by its JWS name.
    pub const NAMES: &'static [&'static str] = &["RS256", "PS256", "ES256", "ES384", "HS256"];

    /// Parses a JWS name.
    pub fn parse(text: &str) -> Option<Alg> {
        match text {
            "RS256" => Some(Alg::Rs256),
            "PS256" => Some(Alg::Ps256),
            "ES256" => Some(Alg::Es256),
            "ES384" => Some(Alg::Es384),
            "HS256" => Some(Alg::Hs256),
            _ => None,
        }
    }

    /// The JWS name.
    pub fn name(self) -> &'static str {
        match self {
            Alg::Rs256 => "RS256",
            Alg::Ps256 => "PS256",
            Alg::Es256 => "ES256",
            Alg::Es384 => "ES384",
            Alg::Hs256 => "HS256",
        }
    }
}

/// The kind of a private key.
#[derive(Debug)]
enum Pair {
    Rsa(RsaKeyPair),
    P256(EcdsaKeyPair),
    P384(EcdsaKeyPair),
}

/// A private key ready to sign, with the PEM a TLS client identity needs. Redacted in `Debug`.
pub struct SigningKey {
    pair: Pair,
    pem: Secret,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({}, [redacted])", self.kind())
    }
}

/// A certificate: its DER and thumbprints (public facts, safe to show).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// DER encoding.
    pub der: Vec<u8>,
    /// SHA-256 of the DER, base64url (`x5t#S256`).
    pub x5t_s256: String,
    /// SHA-1 of the DER, base64url (`x5t`).
    pub x5t: String,
    /// SHA-1 of the DER in hex, as portals show a certificate's thumbprint.
    pub sha1_hex: String,
}

impl Certificate {
    /// A certificate from DER.
    pub fn from_der(der: Vec<u8>) -> Certificate {
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let sha1 = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, &der);
        Certificate {
            x5t_s256: url.encode(Sha256::digest(&der)),
            x5t: url.encode(sha1.as_ref()),
            sha1_hex: sha1.as_ref().iter().map(|b| format!("{b:02X}")).collect(),
            der,
        }
    }

    /// The certificate as PEM.
    pub fn pem(&self) -> String {
        pem_text("CERTIFICATE", &self.der)
    }
}

/// PEM text for `der`, built in one allocation of the final size (for a private key it is the key itself: a
/// growing string would leave copies behind), the base64 in between wiped.
fn pem_text(label: &str, der: &[u8]) -> String {
    let body = zeroize::Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(der));
    let (begin, end) = ("-----BEGIN ", "-----END ");
    let frame = begin.len() + end.len() + 2 * (label.len() + "-----\n".len());
    let mut out = String::with_capacity(frame + body.len() + body.len().div_ceil(64));
    for piece in [begin, label, "-----\n"] {
        out.push_str(piece);
    }
    for line in body.as_bytes().chunks(64) {
        // base64 is ASCII, so every 64-byte chunk is whole characters.
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    for piece in [end, label, "-----\n"] {
        out.push_str(piece);
    }
    out
}

/// Why key material could not be used: a summary and what to do.
pub type KeyError = (Words, Words);

fn rejected(input: Input, what: &str, fix: &str) -> KeyError {
    (words![input, format!(" {what}")], words![fix])
}

impl SigningKey {
    fn from_pair(pair: Pair, label: &str, der: &[u8]) -> SigningKey {
        SigningKey {
            pair,
            pem: Secret::new(pem_text(label, der)),
        }
    }

    /// RSA, EC P-256 or EC P-384, for messages.
    pub fn kind(&self) -> &'static str {
        match self.pair {
            Pair::Rsa(_) => "RSA",
            Pair::P256(_) => "EC P-256",
            Pair::P384(_) => "EC P-384",
        }
    }

    /// The algorithm used when none is asked for: RS256 for RSA, ES256 / ES384 for EC.
    pub fn default_alg(&self) -> Alg {
        match self.pair {
            Pair::Rsa(_) => Alg::Rs256,
            Pair::P256(_) => Alg::Es256,
            Pair::P384(_) => Alg::Es384,
        }
    }

    /// True when the key can sign with `alg`.
    pub fn fits(&self, alg: Alg) -> bool {
        matches!(
            (&self.pair, alg),
            (Pair::Rsa(_), Alg::Rs256 | Alg::Ps256)
                | (Pair::P256(_), Alg::Es256)
                | (Pair::P384(_), Alg::Es384)
        )
    }

    /// The key as PEM, for a TLS client identity.
    pub fn pem(&self) -> &Secret {
        &self.pem
    }

    /// Signs `message` with `alg` (which must fit the key); the JWS signature bytes.
    pub fn sign(&self, alg: Alg, message: &[u8]) -> Option<Vec<u8>> {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        match (&self.pair, alg) {
            (Pair::Rsa(pair), Alg::Rs256 | Alg::Ps256) => {
                let padding: &'static dyn aws_lc_rs::signature::RsaEncoding = if alg == Alg::Rs256 {
                    &aws_lc_rs::signature::RSA_PKCS1_SHA256
                } else {
                    &aws_lc_rs::signature::RSA_PSS_SHA256
                };
                let mut signature = vec![0u8; pair.public_modulus_len()];
                pair.sign(padding, &rng, message, &mut signature).ok()?;
                Some(signature)
            }
            (Pair::P256(pair), Alg::Es256) | (Pair::P384(pair), Alg::Es384) => {
                Some(pair.sign(&rng, message).ok()?.as_ref().to_vec())
            }
            _ => None,
        }
    }

    /// The public key's DER (SubjectPublicKeyInfo for EC, PKCS#1 for RSA): to tell whether a certificate
    /// belongs to this key.
    pub fn public_key(&self) -> Vec<u8> {
        match &self.pair {
            Pair::Rsa(pair) => pair.public_key().as_ref().to_vec(),
            Pair::P256(pair) | Pair::P384(pair) => pair.public_key().as_ref().to_vec(),
        }
    }
}

/// A PKCS#8 private key (from a PEM or a PKCS#12 bag).
fn from_pkcs8(der: &[u8]) -> Option<SigningKey> {
    if let Ok(pair) = RsaKeyPair::from_pkcs8(der) {
        return Some(SigningKey::from_pair(Pair::Rsa(pair), "PRIVATE KEY", der));
    }
    if let Ok(pair) = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der) {
        return Some(SigningKey::from_pair(Pair::P256(pair), "PRIVATE KEY", der));
    }
    EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, der)
        .ok()
        .map(|pair| SigningKey::from_pair(Pair::P384(pair), "PRIVATE KEY", der))
}

/// Reads the private key (and any certificates) from PEM text given as `input`.
pub fn from_pem(input: Input, text: &str) -> Result<(SigningKey, Vec<Certificate>), KeyError> {
    if text.contains("ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED") {
        return Err(rejected(
            input,
            "holds an encrypted private key, and authcheck has no password for it",
            "Give the key unencrypted (openssl pkey -in key.pem -out plain.pem), or a PKCS#12 file with its \
             password.",
        ));
    }
    let mut key = None;
    let mut certs = Vec::new();
    let mut reader = std::io::Cursor::new(text.as_bytes());
    loop {
        match pem::from_buf(&mut reader) {
            Ok(Some((SectionKind::Certificate, der))) => certs.push(Certificate::from_der(der)),
            Ok(Some((SectionKind::PrivateKey, der))) if key.is_none() => {
                let der = SecretBytes::new(der);
                key = Some(from_pkcs8(der.expose()).ok_or_else(|| {
                    rejected(
                        input,
                        "holds a private key authcheck cannot sign with",
                        "Use an RSA (2048 bits or more) or EC P-256 / P-384 key.",
                    )
                })?);
            }
            Ok(Some((SectionKind::RsaPrivateKey, der))) if key.is_none() => {
                let der = SecretBytes::new(der);
                let pair = RsaKeyPair::from_der(der.expose()).map_err(|_| {
                    rejected(
                        input,
                        "holds an RSA PRIVATE KEY that cannot be read",
                        "Export the key again (openssl pkey -in key.pem -out key-pkcs8.pem).",
                    )
                })?;
                key = Some(SigningKey::from_pair(
                    Pair::Rsa(pair),
                    "RSA PRIVATE KEY",
                    der.expose(),
                ));
            }
            Ok(Some((SectionKind::EcPrivateKey, der))) if key.is_none() => {
                let der = SecretBytes::new(der);
                key = Some(
                    EcdsaKeyPair::from_private_key_der(
                        &ECDSA_P256_SHA256_FIXED_SIGNING,
                        der.expose(),
                    )
                    .map(|pair| {
                        SigningKey::from_pair(Pair::P256(pair), "EC PRIVATE KEY", der.expose())
                    })
                    .or_else(|_| {
                        EcdsaKeyPair::from_private_key_der(
                            &ECDSA_P384_SHA384_FIXED_SIGNING,
                            der.expose(),
                        )
                        .map(|pair| {
                            SigningKey::from_pair(Pair::P384(pair), "EC PRIVATE KEY", der.expose())
                        })
                    })
                    .map_err(|_| {
                        rejected(
                            input,
                            "holds an EC key on a curve authcheck cannot sign with",
                            "Use an EC P-256 or P-384 key, or an RSA key.",
                        )
                    })?,
                );
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(_) => {
                return Err(rejected(
                    input,
                    "is not valid PEM",
                    "Give a PEM file (-----BEGIN PRIVATE KEY----- ...), or a .pfx as a PKCS#12 file.",
                ));
            }
        }
    }
    match key {
        Some(key) => Ok((key, certs)),
        None if !certs.is_empty() => Err(rejected(
            input,
            "holds a certificate but no private key",
            "A certificate is public: the check needs the private key that belongs to it (the file the \
             certificate was created with, or the .pfx).",
        )),
        None => Err(rejected(
            input,
            "holds no private key",
            "Give a PEM private key (-----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY).",
        )),
    }
}

/// Reads certificates from PEM text given as `input`.
pub fn certificates_from_pem(input: Input, text: &str) -> Result<Vec<Certificate>, KeyError> {
    let mut certs = Vec::new();
    let mut reader = std::io::Cursor::new(text.as_bytes());
    loop {
        match pem::from_buf(&mut reader) {
            Ok(Some((SectionKind::Certificate, der))) => certs.push(Certificate::from_der(der)),
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(_) => {
                return Err(rejected(
                    input,
                    "is not valid PEM",
                    "Give a PEM certificate.",
                ));
            }
        }
    }
    if certs.is_empty() {
        return Err(rejected(
            input,
            "holds no certificate",
            "Give the client's certificate as PEM (-----BEGIN CERTIFICATE-----).",
        ));
    }
    Ok(certs)
}

/// Reads the key and its certificate from a PKCS#12 (`.pfx`) file's bytes. A refusal comes with the input to
/// blame: the password's when it does not open the file, else `input`.
pub fn from_pkcs12(
    input: Input,
    bytes: &[u8],
    password: &Secret,
    password_input: Input,
) -> Result<(SigningKey, Vec<Certificate>), (Input, KeyError)> {
    let archive = match p12_keystore::Pkcs12Archive::from_pkcs12(bytes, password.expose()) {
        Ok(archive) => archive,
        Err(p12_keystore::error::Error::MacError(_)) => {
            return Err((
                password_input,
                (
                    words![input, ": the password does not open it"],
                    words![
                        "The PKCS#12 file is protected by another password. Put the password the file was \
                         exported with in ",
                        password_input,
                        " (ARM_CLIENT_CERTIFICATE_PASSWORD for azurerm)."
                    ],
                ),
            ));
        }
        Err(_) => {
            return Err((
                input,
                rejected(
                    input,
                    "is not a PKCS#12 (.pfx) file authcheck can read",
                    "Give the .pfx exported with the certificate's private key (openssl pkcs12 -export), or the key \
                 and certificate as PEM.",
                ),
            ));
        }
    };
    let key = archive
        .keys
        .first()
        .and_then(|bag| from_pkcs8(bag.key.as_der()))
        .ok_or_else(|| {
            (
                input,
                rejected(
                    input,
                    "holds no private key authcheck can sign with",
                    "Export the .pfx with the private key (RSA or EC P-256 / P-384).",
                ),
            )
        })?;
    let certs = archive
        .certs
        .iter()
        .map(|bag| Certificate::from_der(bag.cert.as_der().to_vec()))
        .collect();
    Ok((key, certs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(path: &str) -> Vec<u8> {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures")
                .join(path),
        )
        .expect(path)
    }

    fn text(path: &str) -> String {
        String::from_utf8(fixture(path)).expect("utf-8")
    }

    #[test]
    fn every_pem_key_form_loads_and_picks_its_algorithm() {
        for (file, kind, alg) in [
            ("keys/rsa-2048.pem", "RSA", Alg::Rs256),
            ("keys/rsa-2048-pkcs1.pem", "RSA", Alg::Rs256),
            ("keys/ec-p256.pem", "EC P-256", Alg::Es256),
            ("keys/ec-p256-pkcs8.pem", "EC P-256", Alg::Es256),
            ("keys/ec-p384.pem", "EC P-384", Alg::Es384),
        ] {
            let (key, _) = from_pem(Input::ClientId, &text(file)).expect(file);
            assert_eq!(key.kind(), kind, "{file}");
            assert_eq!(key.default_alg(), alg, "{file}");
            assert!(
                key.sign(alg, b"message").is_some_and(|s| !s.is_empty()),
                "{file}"
            );
            assert!(key.sign(Alg::Hs256, b"message").is_none());
        }
    }

    #[test]
    fn the_wrong_things_are_named() {
        let render = |e: KeyError| e.0.render(&crate::check::report::words::Plain);
        let encrypted =
            from_pem(Input::ClientId, &text("keys/rsa-2048-encrypted.pem")).expect_err("encrypted");
        assert!(render(encrypted).contains("encrypted"));
        let cert = from_pem(Input::ClientId, &text("certs/rsa-2048.crt")).expect_err("cert");
        assert!(render(cert).contains("certificate but no private key"));
        let garbage = from_pem(Input::ClientId, "not a key").expect_err("garbage");
        assert!(render(garbage).contains("no private key"));
    }

    #[test]
    fn pkcs12_opens_with_its_password_and_names_a_wrong_one() {
        for file in ["certs/bundle.pfx", "certs/bundle-legacy.pfx"] {
            let (key, certs) = from_pkcs12(
                Input::ClientId,
                &fixture(file),
                &Secret::new("pfx-password"),
                Input::ClientId,
            )
            .expect(file);
            assert_eq!(key.kind(), "RSA");
            assert_eq!(certs.len(), 1, "{file}");
        }
        let (_, certs) = from_pkcs12(
            Input::ClientId,
            &fixture("certs/bundle-nopass.pfx"),
            &Secret::new(""),
            Input::ClientId,
        )
        .expect("no password");
        assert_eq!(certs.len(), 1);
        let wrong = from_pkcs12(
            Input::Pkcs12File,
            &fixture("certs/bundle.pfx"),
            &Secret::new("nope"),
            Input::Pkcs12Password,
        )
        .expect_err("wrong password");
        assert_eq!(wrong.0, Input::Pkcs12Password, "the password is to blame");
        assert!(
            wrong
                .1
                .0
                .render(&crate::check::report::words::Plain)
                .contains("password does not open it")
        );
    }

    #[test]
    fn thumbprints_are_the_digests_of_the_der() {
        let certs =
            certificates_from_pem(Input::ClientId, &text("certs/rsa-2048.crt")).expect("cert");
        assert_eq!(certs[0].x5t_s256.len(), 43);
        assert_eq!(certs[0].x5t.len(), 27);
        assert_eq!(certs[0].sha1_hex.len(), 40);
    }
}
