//! Secrets, keys, assertions and tokens: types that redact themselves and zero their memory when dropped.

use std::fmt;

use zeroize::Zeroize;

/// Secret text: redacts itself in `Debug`/`Display` and zeroes its buffer when dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value (taking ownership, so no copy is left behind).
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The pieces joined, built in one allocation of the final size: `format!` and growing strings copy as they
    /// grow and free the old bytes unwiped.
    pub fn concat(pieces: &[&str]) -> Secret {
        let mut text = String::with_capacity(pieces.iter().map(|p| p.len()).sum());
        for piece in pieces {
            text.push_str(piece);
        }
        Secret(text)
    }

    /// `value` form-encoded (RFC 6749 section 2.3.1's `application/x-www-form-urlencoded`), or percent-encoded
    /// (`%20` for a space) when `percent`, built in one allocation of the final size.
    pub fn form_encoded(value: &str, percent: bool) -> Secret {
        fn chunk(c: &str, percent: bool) -> &str {
            if percent && c == "+" { "%20" } else { c }
        }
        let chunks = || {
            url::form_urlencoded::byte_serialize(value.as_bytes()).map(move |c| chunk(c, percent))
        };
        let mut text = String::with_capacity(chunks().map(str::len).sum());
        chunks().for_each(|c| text.push_str(c));
        Secret(text)
    }
}

/// True when form-encoding changes `text`; decided chunk by chunk, without making the encoded copy.
pub fn changed_by_form_encoding(text: &str) -> bool {
    let mut rest = text;
    for chunk in url::form_urlencoded::byte_serialize(text.as_bytes()) {
        match rest.strip_prefix(chunk) {
            Some(after) => rest = after,
            None => return true,
        }
    }
    !rest.is_empty()
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

/// Secret bytes (an encoded credential, a key): redacted, zeroed on drop.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    /// Wraps bytes, taking ownership.
    pub fn new(bytes: Vec<u8>) -> Self {
        SecretBytes(bytes)
    }

    /// The bytes, for the one place that must use them.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Appends bytes (growing in place would leave an unwiped copy behind, so the capacity is reserved first).
    pub fn extend(&mut self, more: &[u8]) {
        if self.0.capacity() - self.0.len() < more.len() {
            let mut bigger = Vec::with_capacity((self.0.len() + more.len()).max(64) * 2);
            bigger.extend_from_slice(&self.0);
            self.0.zeroize();
            self.0 = bigger;
        }
        self.0.extend_from_slice(more);
    }

    /// A shared, immutable copy for an HTTP body or header; its memory is zeroed when the last user drops it.
    pub fn into_shared(self) -> bytes::Bytes {
        bytes::Bytes::from_owner(Zeroed(self))
    }
}

/// Owner of bytes handed to the HTTP stack: zeroed when dropped.
struct Zeroed(SecretBytes);

impl AsRef<[u8]> for Zeroed {
    fn as_ref(&self) -> &[u8] {
        &self.0.0
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes([redacted; {}])", self.0.len())
    }
}

impl Drop for SecretBytes {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// Overwrites a string's bytes in place, in a way the optimiser may not remove, and empties it.
pub fn wipe(text: &mut String) {
    text.zeroize();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let secret = Secret::new("hunter2-value");
        assert_eq!(format!("{secret:?}"), "Secret([redacted])");
        assert_eq!(format!("{secret}"), "[redacted]");
        assert_eq!(secret.expose(), "hunter2-value");
        let bytes = SecretBytes::new(b"hunter2".to_vec());
        assert_eq!(format!("{bytes:?}"), "SecretBytes([redacted; 7])");
    }

    use crate::wiped::Watch;

    #[test]
    fn wipe_overwrites_the_bytes_before_they_are_freed() {
        let watch = Watch::new(&[b"wipe-check-secret-wipe-01"]);
        let mut text = String::from("wipe-check-secret-wipe-01");
        wipe(&mut text);
        assert!(text.is_empty());
        drop(text);
        assert_eq!(watch.leaks(), 0);
    }

    #[test]
    fn secrets_leave_nothing_behind_when_dropped_cloned_joined_or_encoded() {
        let watch = Watch::new(&[b"wipe-check-secret-drop-02", b"wipe-check-secret-grow-03"]);
        let secret = Secret::new(String::from("wipe-check-secret-drop-02"));
        let copy = secret.clone();
        let joined = Secret::concat(&["Bearer ", secret.expose()]);
        let encoded = Secret::form_encoded(secret.expose(), false);
        assert!(!changed_by_form_encoding(secret.expose()));
        assert!(changed_by_form_encoding("a b"));
        drop((secret, copy, joined, encoded));
        // Growing moves the bytes to a bigger block; the old one is wiped first.
        let mut bytes = SecretBytes::new(Vec::with_capacity(4));
        bytes.extend(b"wipe-check-secret-grow-03");
        bytes.extend(&[b'x'; 200]);
        drop(bytes.into_shared());
        assert_eq!(watch.leaks(), 0);
    }

    #[test]
    fn shared_bytes_read_back_and_grow_without_copies_left_behind() {
        let mut bytes = SecretBytes::new(Vec::new());
        bytes.extend(b"grant_type=client_credentials&");
        bytes.extend(b"client_secret=x");
        let shared = bytes.into_shared();
        assert_eq!(
            &shared[..],
            b"grant_type=client_credentials&client_secret=x"
        );
    }
}
