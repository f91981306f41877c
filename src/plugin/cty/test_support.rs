//! Helpers shared by the cty unit tests: hex byte strings and short value and type builders.

use super::{CtyError, CtyType, Number, Value};

/// Bytes from a hex string; spaces are for readability.
pub(super) fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert!(digits.len().is_multiple_of(2), "odd hex string {s:?}");
    digits
        .chunks(2)
        .map(|pair| {
            u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16)
                .unwrap_or_else(|_| panic!("bad hex {s:?}"))
        })
        .collect()
}

/// A msgpack header (hand-written hex) followed by literal text.
pub(super) fn hex_then(header: &str, text: &str) -> Vec<u8> {
    let mut out = hex(header);
    out.extend_from_slice(text.as_bytes());
    out
}

pub(super) fn s(x: &str) -> Value {
    Value::String(x.into())
}

pub(super) fn int(i: i64) -> Value {
    Value::Number(Number::Int(i))
}

pub(super) fn obj(pairs: &[(&str, Value)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

pub(super) fn obj_ty(pairs: &[(&str, CtyType)]) -> CtyType {
    CtyType::Object(
        pairs
            .iter()
            .map(|(k, t)| (k.to_string(), t.clone()))
            .collect(),
    )
}

pub(super) fn err_msg(r: Result<Value, CtyError>) -> String {
    r.expect_err("expected an error").to_string()
}

pub(super) fn abc_type() -> CtyType {
    obj_ty(&[
        ("a", CtyType::String),
        ("b", CtyType::Number),
        ("c", CtyType::Bool),
    ])
}
