//! SigV4 verification for the STS flavour, from AWS's published algorithm.
//!
//! Written apart from the product's signer on purpose: the server and the checker must not share code, so a
//! mistake on one side makes the tests fail instead of agreeing with itself. Verification recomputes the
//! signature from the request as received (canonical request, string to sign, derived key) and compares it in
//! constant time (`hmac::verify`).

use aws_lc_rs::{digest, hmac};

/// The request's parts that SigV4 covers.
pub(super) struct Signed<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// The fields of an `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` header.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Authorization<'a> {
    pub key_id: &'a str,
    /// `YYYYMMDD` of the credential scope.
    pub date: &'a str,
    pub region: &'a str,
    pub service: &'a str,
    pub terminator: &'a str,
    pub signed_headers: Vec<&'a str>,
    pub signature: &'a str,
}

/// Parses the header; the error names what is missing, in the words AWS uses for `IncompleteSignature`.
pub(super) fn parse_authorization(value: &str) -> Result<Authorization<'_>, String> {
    let Some(rest) = value.strip_prefix("AWS4-HMAC-SHA256 ") else {
        // Not sourced from the facts: AWS's wording for an unknown algorithm, from memory.
        return Err("Unsupported AWS 'algorithm': only AWS4-HMAC-SHA256 is accepted".to_owned());
    };
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let Some((name, field)) = part.trim().split_once('=') else {
            continue;
        };
        match name {
            "Credential" => credential = Some(field),
            "SignedHeaders" => signed = Some(field),
            "Signature" => signature = Some(field),
            _ => {}
        }
    }
    // Not sourced from the facts: AWS lists each missing part this way (from memory).
    let mut missing = String::new();
    for (name, part) in [
        ("Credential", credential.is_none()),
        ("Signature", signature.is_none()),
        ("SignedHeaders", signed.is_none()),
    ] {
        if part {
            missing.push_str(&format!(
                "Authorization header requires '{name}' parameter. "
            ));
        }
    }
    let (Some(credential), Some(signed), Some(signature)) = (credential, signed, signature) else {
        return Err(missing.trim_end().to_owned());
    };
    let mut scope = credential.split('/');
    let (Some(key_id), Some(date), Some(region), Some(service), Some(terminator), None) = (
        scope.next(),
        scope.next(),
        scope.next(),
        scope.next(),
        scope.next(),
        scope.next(),
    ) else {
        // Not sourced from the facts: a plausible wording.
        return Err(format!(
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'"
        ));
    };
    Ok(Authorization {
        key_id,
        date,
        region,
        service,
        terminator,
        signed_headers: signed.split(';').collect(),
        signature,
    })
}

/// True when `auth.signature` is the signature of `request` under `secret` at `amz_date` (the `X-Amz-Date`).
pub(super) fn signature_matches(
    request: &Signed<'_>,
    auth: &Authorization<'_>,
    amz_date: &str,
    secret: &str,
) -> bool {
    let Some(canonical) = canonical_request(request, &auth.signed_headers) else {
        return false;
    };
    let Some(presented) = hex_decode(auth.signature) else {
        return false;
    };
    let scope = format!(
        "{}/{}/{}/{}",
        auth.date, auth.region, auth.service, auth.terminator
    );
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical.as_bytes())
    );
    let key = signing_key(secret, auth.date, auth.region, auth.service);
    hmac::verify(&key, to_sign.as_bytes(), &presented).is_ok()
}

/// `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> hmac::Key {
    let mut key = format!("AWS4{secret}").into_bytes();
    for part in [date, region, service, "aws4_request"] {
        let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &key), part.as_bytes());
        key = tag.as_ref().to_vec();
    }
    hmac::Key::new(hmac::HMAC_SHA256, &key)
}

/// The canonical request; `None` when a header the client says it signed is not in the request.
fn canonical_request(request: &Signed<'_>, signed_headers: &[&str]) -> Option<String> {
    let mut headers = String::new();
    for name in signed_headers {
        let values: Vec<String> = request
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        if values.is_empty() {
            return None;
        }
        headers.push_str(&format!(
            "{}:{}\n",
            name.to_ascii_lowercase(),
            values.join(",")
        ));
    }
    let path = if request.path.is_empty() {
        "/"
    } else {
        request.path
    };
    Some(format!(
        "{}\n{}\n{}\n{headers}\n{}\n{}",
        request.method,
        // Services other than S3 encode the path as sent once more (botocore does the same).
        uri_encode(path.as_bytes(), true),
        canonical_query(request.query),
        signed_headers.join(";"),
        sha256_hex(request.body)
    ))
}

/// Query pairs decoded, re-encoded with AWS's rules and sorted by name, then value.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (
                uri_encode(&percent_decode(name), false),
                uri_encode(&percent_decode(value), false),
            )
        })
        .collect();
    pairs.sort();
    let joined: Vec<String> = pairs.into_iter().map(|(n, v)| format!("{n}={v}")).collect();
    joined.join("&")
}

/// AWS's URI encoding: unreserved characters kept, everything else `%XX` in upper case.
fn uri_encode(bytes: &[u8], keep_slash: bool) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) || (keep_slash && b == b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Percent-decoding only (a `+` stays a `+`); a stray `%` is kept as it is.
fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(value)) => {
                out.push(value);
                i += 3;
            }
            (other, _) => {
                out.push(other);
                i += 1;
            }
        }
    }
    out
}

pub(super) fn sha256_hex(bytes: &[u8]) -> String {
    digest::digest(&digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if text.len() != 64 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            let pair = text.get(i..i + 2)?;
            u8::from_str_radix(pair, 16).ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // AWS's published example (IAM ListUsers, "Create a signed AWS API request"); botocore's SigV4Auth computes
    // the same signature for it.
    const EXAMPLE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const EXAMPLE_SIGNATURE: &str =
        "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";

    fn example_headers() -> Vec<(String, String)> {
        vec![
            ("Host".into(), "iam.amazonaws.com".into()),
            (
                "Content-Type".into(),
                "application/x-www-form-urlencoded; charset=utf-8".into(),
            ),
            ("X-Amz-Date".into(), "20150830T123600Z".into()),
        ]
    }

    fn example_authorization(signature: &str) -> String {
        format!(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date, Signature={signature}"
        )
    }

    #[test]
    fn the_published_example_verifies_and_any_change_does_not() {
        let headers = example_headers();
        let request = Signed {
            method: "GET",
            path: "/",
            query: "Action=ListUsers&Version=2010-05-08",
            headers: &headers,
            body: b"",
        };
        let header = example_authorization(EXAMPLE_SIGNATURE);
        let auth = parse_authorization(&header).expect("parses");
        assert_eq!(auth.key_id, "AKIDEXAMPLE");
        assert_eq!(
            (auth.date, auth.region, auth.service),
            ("20150830", "us-east-1", "iam")
        );
        let canonical = canonical_request(&request, &auth.signed_headers).expect("headers present");
        assert_eq!(
            sha256_hex(canonical.as_bytes()),
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
        );
        assert!(signature_matches(
            &request,
            &auth,
            "20150830T123600Z",
            EXAMPLE_SECRET
        ));

        // The query in another order canonicalises to the same string.
        let reordered = Signed {
            query: "Version=2010-05-08&Action=ListUsers",
            ..request
        };
        assert!(signature_matches(
            &reordered,
            &auth,
            "20150830T123600Z",
            EXAMPLE_SECRET
        ));

        let wrong_secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEz";
        assert!(!signature_matches(
            &request,
            &auth,
            "20150830T123600Z",
            wrong_secret
        ));
        assert!(!signature_matches(
            &request,
            &auth,
            "20150830T123601Z",
            EXAMPLE_SECRET
        ));
        let other_body = Signed {
            body: b"x",
            ..reordered
        };
        assert!(!signature_matches(
            &other_body,
            &auth,
            "20150830T123600Z",
            EXAMPLE_SECRET
        ));
        let other_query = Signed {
            query: "Action=ListUsers&Version=2010-05-09",
            ..other_body
        };
        assert!(!signature_matches(
            &other_query,
            &auth,
            "20150830T123600Z",
            EXAMPLE_SECRET
        ));
    }

    #[test]
    fn a_missing_signed_header_or_a_malformed_signature_does_not_verify() {
        let mut headers = example_headers();
        headers.retain(|(n, _)| n != "Content-Type");
        let request = Signed {
            method: "GET",
            path: "/",
            query: "Action=ListUsers&Version=2010-05-08",
            headers: &headers,
            body: b"",
        };
        let header = example_authorization(EXAMPLE_SIGNATURE);
        let auth = parse_authorization(&header).expect("parses");
        assert!(!signature_matches(
            &request,
            &auth,
            "20150830T123600Z",
            EXAMPLE_SECRET
        ));

        let headers = example_headers();
        let request = Signed {
            headers: &headers,
            ..request
        };
        for bad in ["", "zz", &EXAMPLE_SIGNATURE[..62], &"g".repeat(64)] {
            let header = example_authorization(bad);
            let auth = parse_authorization(&header).expect("parses");
            assert!(!signature_matches(
                &request,
                &auth,
                "20150830T123600Z",
                EXAMPLE_SECRET
            ));
        }
    }

    #[test]
    fn incomplete_authorization_headers_say_what_is_missing() {
        assert!(parse_authorization("Bearer x").is_err());
        let err = parse_authorization("AWS4-HMAC-SHA256 Credential=A/20150830/r/sts/aws4_request")
            .expect_err("incomplete");
        assert_eq!(
            err,
            "Authorization header requires 'Signature' parameter. Authorization header requires \
             'SignedHeaders' parameter."
        );
        assert!(
            parse_authorization(
                "AWS4-HMAC-SHA256 Credential=A/r/sts, SignedHeaders=host, Signature=00"
            )
            .is_err()
        );
    }

    #[test]
    fn encoding_follows_aws_rules() {
        assert_eq!(uri_encode(b"a b+c/~", false), "a%20b%2Bc%2F~");
        assert_eq!(uri_encode(b"/a%2F", true), "/a%252F");
        assert_eq!(canonical_query("b=2&a=%7e&a=1&c"), "a=1&a=~&b=2&c=");
        assert_eq!(percent_decode("%zz%4"), b"%zz%4");
    }
}
