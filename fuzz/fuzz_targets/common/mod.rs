//! Helpers shared by the fuzz targets: the types the provider decodes against, the cty round-trip property,
//! checks on text that ends up in front of a user, and what the Genesys policy readers promise (`policies`).
#![allow(dead_code)] // each target uses only some of these

pub mod policies;

use std::sync::OnceLock;

use authcheck::plugin::cty::{self, CtyType, Number, Value};
use authcheck::plugin::schema::{data_source_attrs, object_type, provider_attrs};

/// What the plugin decodes configuration against: the provider block, the data source, and `dynamic`.
pub struct Types {
    pub provider: CtyType,
    pub data_source: CtyType,
    pub dynamic: CtyType,
}

pub fn types() -> &'static Types {
    static TYPES: OnceLock<Types> = OnceLock::new();
    TYPES.get_or_init(|| Types {
        provider: object_type(&provider_attrs()),
        data_source: object_type(&data_source_attrs()),
        dynamic: CtyType::Dynamic,
    })
}

/// What the codec promises for a value it decoded, `original`, against `ty`:
///
/// - against a schema's object type, encoding it back succeeds (the provider echoes config into state);
/// - whenever encoding succeeds, decoding those bytes succeeds again, gives the same value up to the number
///   representation (an integral float or an integral decimal string comes back as an integer: the encoder
///   writes one number one way, as go-cty does), and encoding that gives the very same bytes.
///
/// Against `dynamic` the encoder infers the type from the value, so it may refuse (a `list(dynamic)` whose
/// elements differ in type has no inferable type), and objects inside one collection are padded to the union of
/// their attributes with nulls; the comparison allows exactly that.
pub fn check_round_trip(original: &Value, ty: &CtyType) {
    let encoded = match cty::encode_msgpack(original, ty) {
        Ok(bytes) => bytes,
        Err(err) => {
            assert!(
                matches!(ty, CtyType::Dynamic),
                "a value decoded against {ty:?} does not encode back: {err}\nvalue: {original:?}"
            );
            return;
        }
    };
    let again = cty::decode_msgpack(&encoded, ty).unwrap_or_else(|err| {
        panic!(
            "the encoder's own bytes do not decode: {err}\nvalue: {original:?}\nbytes: {}",
            hex(&encoded)
        )
    });
    let padding_allowed = matches!(ty, CtyType::Dynamic);
    assert!(
        equivalent(original, &again, padding_allowed),
        "round trip changed the value\nbefore: {original:?}\nafter:  {again:?}\nbytes: {}",
        hex(&encoded)
    );
    let re_encoded = cty::encode_msgpack(&again, ty).unwrap_or_else(|err| {
        panic!("a round-tripped value does not encode: {err}\nvalue: {again:?}")
    });
    assert_eq!(
        hex(&re_encoded),
        hex(&encoded),
        "encoding is not stable across a round trip\nvalue: {again:?}"
    );
}

/// Equal up to the number representation; with `padding`, an object may gain attributes that are null.
fn equivalent(a: &Value, b: &Value, padding: bool) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) | (Value::Unknown, Value::Unknown) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => same_number(x, y),
        (Value::List(x), Value::List(y))
        | (Value::Set(x), Value::Set(y))
        | (Value::Tuple(x), Value::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equivalent(p, q, padding))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kx, vx), (ky, vy))| kx == ky && equivalent(vx, vy, padding))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.iter()
                .all(|(k, vx)| y.get(k).is_some_and(|vy| equivalent(vx, vy, padding)))
                && y.iter()
                    .all(|(k, vy)| x.contains_key(k) || (padding && matches!(vy, Value::Null)))
        }
        _ => false,
    }
}

fn same_number(a: &Number, b: &Number) -> bool {
    match (a.as_i64(), b.as_i64()) {
        (Some(x), Some(y)) => x == y,
        (None, None) => match (a, b) {
            (Number::Float(x), Number::Float(y)) => x.to_bits() == y.to_bits(),
            (Number::Decimal(x), Number::Decimal(y)) => x == y,
            _ => false,
        },
        _ => false,
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Text meant for one line: no control characters at all.
pub fn assert_one_line(what: &str, text: &str) {
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        panic!("{what} contains the control character {c:?}: {text:?}");
    }
}

/// Text that may span lines: newlines only.
pub fn assert_printable(what: &str, text: &str) {
    if let Some(c) = text.chars().find(|c| c.is_control() && *c != '\n') {
        panic!("{what} contains the control character {c:?}: {text:?}");
    }
}

/// `assert_one_line` and `assert_short` in one pass over the text (targets that check many texts an input
/// spent a sixth of their time walking each twice).
pub fn assert_short_line(what: &str, text: &str, max_chars: usize) {
    check_chars(what, text, max_chars, false);
}

/// `assert_printable` and `assert_short` in one pass.
pub fn assert_short_printable(what: &str, text: &str, max_chars: usize) {
    check_chars(what, text, max_chars, true);
}

fn check_chars(what: &str, text: &str, max_chars: usize, newlines: bool) {
    // Every comparison in a target's own code is a coverage callback; a character-by-character walk over each
    // rendered text was 13 % of `token_response`'s time. So the common case goes eight bytes a step, and the
    // count is the standard library's (not instrumented); the exact walk runs only where a byte may be a control.
    if may_hold_a_control(text.as_bytes())
        && let Some(c) = text
            .chars()
            .find(|c| c.is_control() && !(newlines && *c == '\n'))
    {
        panic!("{what} contains the control character {c:?}: {text:?}");
    }
    let n = text.chars().count();
    assert!(
        n < max_chars,
        "{what} is {n} characters long (limit {max_chars}): {:?}…",
        text.chars().take(200).collect::<String>()
    );
}

/// Whether a byte of `bytes` is below 0x20, DEL, or 0xC2 (the lead byte of U+0080 to U+00BF, where the C1
/// controls are): no control character is in text without one. Eight bytes at a time, with the bit tests for a
/// zero byte and a byte below a bound, which never miss one.
fn may_hold_a_control(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS != 0;
    let flagged = |x: u64| {
        x.wrapping_sub(ONES * 0x20) & !x & HIGHS != 0
            || has_zero(x ^ (ONES * 0x7F))
            || has_zero(x ^ (ONES * 0xC2))
    };
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        if flagged(u64::from_le_bytes(word)) {
            return true;
        }
    }
    // The rest, padded with spaces, which flag nothing.
    let mut word = [b' '; 8];
    word[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    flagged(u64::from_le_bytes(word))
}

/// How many line breaks `bytes` holds, eight bytes a step: an exact zero-byte mask of each word XOR "\n\n…"
/// (no borrow crosses bytes), counted with `count_ones`. A byte at a time, each comparison reports to libFuzzer.
pub fn count_newlines(bytes: &[u8]) -> usize {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const NEWLINES: u64 = 0x0a0a_0a0a_0a0a_0a0a;
    let mut chunks = bytes.chunks_exact(8);
    let mut count = 0usize;
    for chunk in &mut chunks {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(chunk);
        let v = u64::from_le_bytes(eight) ^ NEWLINES;
        let zero_bytes = !(((v & LOW7) + LOW7) | v | LOW7);
        count += zero_bytes.count_ones() as usize;
    }
    count + chunks.remainder().iter().filter(|&&b| b == b'\n').count()
}

/// A bound on text shown as one line.
pub fn assert_short(what: &str, text: &str, max_chars: usize) {
    let n = text.chars().count();
    assert!(
        n < max_chars,
        "{what} is {n} characters long (limit {max_chars}): {:?}…",
        text.chars().take(200).collect::<String>()
    );
}
