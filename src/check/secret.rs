//! A client secret or token that must never be printed, logged or kept longer than needed.

use std::fmt;

/// Secret text: redacts itself in `Debug`/`Display` and zeroes its buffer when dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
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

/// Overwrites a string's bytes in place, in a way the optimiser may not remove.
pub(crate) fn wipe(text: &mut String) {
    // SAFETY: zero bytes are valid UTF-8, so the string stays well-formed while it is overwritten.
    let bytes = unsafe { text.as_mut_vec() };
    for byte in bytes.iter_mut() {
        // Volatile so the writes to a buffer about to be freed are not elided.
        unsafe { std::ptr::write_volatile(byte, 0) };
    }
    std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
    text.clear();
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
    }

    #[test]
    fn wipe_zeroes_and_empties_the_buffer() {
        let mut text = String::from("abc");
        wipe(&mut text);
        assert!(text.is_empty());
        // The capacity is kept, so the old bytes are still addressable: they must be zero.
        let ptr = text.as_ptr();
        let zeroed = (0..3).all(|i| unsafe { *ptr.add(i) } == 0);
        assert!(zeroed);
    }
}
