//! Terraform's cty value wire format ("DynamicValue") for the plugin protocol.
//!
//! The bytes alone never say whether an array is a list, a set or a tuple, or
//! whether a map is a map or an object, so everything here decodes and
//! encodes *against* a [`CtyType`], the way go-cty does.
//!
//! The input comes from another process. The decoders therefore fail with an
//! error rather than panic, cap their recursion, and never allocate by a count
//! that the input merely claims.
//!
//! `msgpack` holds the msgpack decoder and encoder, `json` the JSON decoder; the types, the type
//! encoding and the entry points below are shared by both.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value as Json;

mod json;
mod msgpack;
#[cfg(test)]
mod test_support;

use json::JsonDecoder;
use msgpack::{Encoder, MsgpackDecoder};

/// Deepest container nesting accepted, so hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 64;

/// A cty type, as a schema attribute declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CtyType {
    /// A UTF-8 string.
    String,
    /// An arbitrary-precision number.
    Number,
    /// A boolean.
    Bool,
    /// Any type; values carry their own type on the wire.
    Dynamic,
    /// An ordered sequence of one element type.
    List(Box<CtyType>),
    /// An unordered collection of one element type.
    Set(Box<CtyType>),
    /// String keys to values of one element type.
    Map(Box<CtyType>),
    /// Named attributes, each with its own type.
    Object(BTreeMap<String, CtyType>),
    /// A fixed-length sequence, each position with its own type.
    Tuple(Vec<CtyType>),
}

impl CtyType {
    /// The JSON type encoding Terraform expects in `Schema.Attribute.type`, e.g. `"string"` or `["list","string"]`.
    pub fn to_json(&self) -> Vec<u8> {
        // Display on a serde_json::Value cannot fail, unlike serde_json::to_vec.
        self.to_json_value().to_string().into_bytes()
    }

    /// The JSON type encoding as a `serde_json::Value`, for embedding in larger JSON documents.
    pub fn to_json_value(&self) -> Json {
        let pair = |kind: &str, inner: Json| Json::Array(vec![Json::from(kind), inner]);
        match self {
            CtyType::String => Json::from("string"),
            CtyType::Number => Json::from("number"),
            CtyType::Bool => Json::from("bool"),
            CtyType::Dynamic => Json::from("dynamic"),
            CtyType::List(t) => pair("list", t.to_json_value()),
            CtyType::Set(t) => pair("set", t.to_json_value()),
            CtyType::Map(t) => pair("map", t.to_json_value()),
            CtyType::Object(attrs) => pair(
                "object",
                Json::Object(
                    attrs
                        .iter()
                        .map(|(k, t)| (k.clone(), t.to_json_value()))
                        .collect(),
                ),
            ),
            CtyType::Tuple(ts) => pair(
                "tuple",
                Json::Array(ts.iter().map(CtyType::to_json_value).collect()),
            ),
        }
    }

    /// Parse the JSON type encoding (dynamic values carry their type this way).
    pub fn from_json(v: &Json) -> Result<CtyType, CtyError> {
        type_from_json(v, 0).map_err(|m| CtyError::new(Vec::new(), m))
    }

    /// A list of `t`.
    pub fn list_of(t: CtyType) -> CtyType {
        CtyType::List(Box::new(t))
    }

    /// A set of `t`.
    pub fn set_of(t: CtyType) -> CtyType {
        CtyType::Set(Box::new(t))
    }

    /// A map from strings to `t`.
    pub fn map_of(t: CtyType) -> CtyType {
        CtyType::Map(Box::new(t))
    }

    /// Short human name used in error messages.
    fn describe(&self) -> String {
        match self {
            CtyType::String => "string".into(),
            CtyType::Number => "number".into(),
            CtyType::Bool => "bool".into(),
            CtyType::Dynamic => "dynamic".into(),
            CtyType::List(t) => format!("list of {}", t.describe()),
            CtyType::Set(t) => format!("set of {}", t.describe()),
            CtyType::Map(t) => format!("map of {}", t.describe()),
            CtyType::Object(_) => "object".into(),
            CtyType::Tuple(_) => "tuple".into(),
        }
    }
}

fn type_from_json(v: &Json, depth: usize) -> Result<CtyType, String> {
    if depth > MAX_DEPTH {
        return Err(format!("type nesting exceeds {MAX_DEPTH} levels"));
    }
    let inner = |t: &Json| type_from_json(t, depth + 1).map(Box::new);
    match v {
        Json::String(s) => match s.as_str() {
            "string" => Ok(CtyType::String),
            "number" => Ok(CtyType::Number),
            "bool" => Ok(CtyType::Bool),
            "dynamic" => Ok(CtyType::Dynamic),
            other => Err(format!("unknown type {other:?}")),
        },
        Json::Array(items) => match items.as_slice() {
            [Json::String(k), t] if k == "list" => Ok(CtyType::List(inner(t)?)),
            [Json::String(k), t] if k == "set" => Ok(CtyType::Set(inner(t)?)),
            [Json::String(k), t] if k == "map" => Ok(CtyType::Map(inner(t)?)),
            [Json::String(k), Json::Object(attrs)] if k == "object" => {
                object_type_from_json(attrs, depth)
            }
            // Terraform 1.3+ appends the optional attribute names; the
            // provider protocol doesn't need them, but must not reject them.
            [Json::String(k), Json::Object(attrs), Json::Array(optional)] if k == "object" => {
                for name in optional {
                    match name.as_str() {
                        Some(n) if attrs.contains_key(n) => {}
                        _ => return Err(format!("invalid optional attribute {name}")),
                    }
                }
                object_type_from_json(attrs, depth)
            }
            [Json::String(k), Json::Array(elems)] if k == "tuple" => elems
                .iter()
                .map(|t| type_from_json(t, depth + 1))
                .collect::<Result<_, _>>()
                .map(CtyType::Tuple),
            _ => Err(format!("invalid type {v}")),
        },
        _ => Err(format!("invalid type {v}")),
    }
}

fn object_type_from_json(
    attrs: &serde_json::Map<String, Json>,
    depth: usize,
) -> Result<CtyType, String> {
    attrs
        .iter()
        .map(|(k, t)| Ok((k.clone(), type_from_json(t, depth + 1)?)))
        .collect::<Result<_, String>>()
        .map(CtyType::Object)
}

/// A cty value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A null of any type.
    Null,
    /// A value not known until apply.
    Unknown,
    /// A boolean.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string.
    String(String),
    /// List elements in order.
    List(Vec<Value>),
    /// Set elements in wire order.
    Set(Vec<Value>),
    /// Map entries.
    Map(BTreeMap<String, Value>),
    /// Object attributes; every attribute of the type is present after decoding.
    Object(BTreeMap<String, Value>),
    /// Tuple elements in order.
    Tuple(Vec<Value>),
}

/// cty numbers are arbitrary precision; keep what arrived.
#[derive(Debug, Clone, PartialEq)]
pub enum Number {
    /// An integer that fits `i64`.
    Int(i64),
    /// A binary float (never NaN when decoded).
    Float(f64),
    /// Decimal text, kept when it arrived as a string or doesn't fit `i64`.
    Decimal(String),
}

impl Number {
    /// The number as `i64` when it is an integer in range, whatever its representation.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Number::Int(i) => Some(*i),
            // 2^63 is exact as f64, so the half-open range is exactly i64's.
            Number::Float(f)
                if f.fract() == 0.0 && *f >= -(2f64.powi(63)) && *f < 2f64.powi(63) =>
            {
                Some(*f as i64)
            }
            Number::Float(_) => None,
            Number::Decimal(s) => parse_decimal(s).and_then(|p| p.to_i64()),
        }
    }

    /// The number as `f64` (possibly rounded); None when it is out of `f64` range or malformed.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Number::Int(i) => Some(*i as f64),
            Number::Float(f) => Some(*f),
            Number::Decimal(s) => {
                parse_decimal(s)?;
                s.parse::<f64>().ok().filter(|f| f.is_finite())
            }
        }
    }
}

/// A decimal literal split into its parts, without converting it.
struct DecimalParts<'s> {
    negative: bool,
    int: &'s str,
    frac: &'s str,
    exp: i64,
}

/// Validates `[+-]digits[.digits][(e|E)[+-]digits]` (at least one mantissa digit),
/// the subset of big.Float syntax that Terraform's number strings use.
fn parse_decimal(s: &str) -> Option<DecimalParts<'_>> {
    let (negative, rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (mantissa, exp) = match rest.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (rest, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !all_digits(int) || !all_digits(frac) {
        return None;
    }
    let exp = match exp {
        None => 0,
        Some(e) => {
            let (neg, digits) = match e.strip_prefix('-') {
                Some(d) => (true, d),
                None => (false, e.strip_prefix('+').unwrap_or(e)),
            };
            if digits.is_empty() || !all_digits(digits) {
                return None;
            }
            // Saturating: an absurd exponent only needs to stay absurd.
            let magnitude = digits.bytes().fold(0i64, |acc, d| {
                acc.saturating_mul(10).saturating_add(i64::from(d - b'0'))
            });
            if neg { -magnitude } else { magnitude }
        }
    };
    Some(DecimalParts {
        negative,
        int,
        frac,
        exp,
    })
}

impl DecimalParts<'_> {
    /// The exact integer value, when there is one and it fits `i64`.
    fn to_i64(&self) -> Option<i64> {
        let digits = format!("{}{}", self.int, self.frac);
        let digits = digits.trim_start_matches('0');
        if digits.is_empty() {
            return Some(0);
        }
        let significant = digits.trim_end_matches('0');
        let trailing_zeros = i64::try_from(digits.len() - significant.len()).ok()?;
        let frac_len = i64::try_from(self.frac.len()).ok()?;
        let exp10 = self
            .exp
            .saturating_sub(frac_len)
            .saturating_add(trailing_zeros);
        if exp10 < 0 {
            return None;
        }
        // i64 holds at most 19 digits; checking first keeps the i128 below from overflowing.
        if i64::try_from(significant.len()).ok()?.saturating_add(exp10) > 19 {
            return None;
        }
        let mut magnitude: i128 = 0;
        for b in significant.bytes() {
            magnitude = magnitude * 10 + i128::from(b - b'0');
        }
        for _ in 0..exp10 {
            magnitude *= 10;
        }
        i64::try_from(if self.negative { -magnitude } else { magnitude }).ok()
    }
}

impl Value {
    /// True for a null.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// True for an unknown (not its contents; see `contains_unknown`).
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }

    /// True when this value or anything inside it is unknown.
    pub fn contains_unknown(&self) -> bool {
        match self {
            Value::Unknown => true,
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => {
                v.iter().any(Value::contains_unknown)
            }
            Value::Map(m) | Value::Object(m) => m.values().any(Value::contains_unknown),
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => false,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number, if this is one.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// Object attribute lookup; None when not an object or absent.
    pub fn get(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Object(m) => m.get(name),
            _ => None,
        }
    }

    /// Elements of a list, set or tuple.
    pub fn elements(&self) -> Option<&[Value]> {
        match self {
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => Some(v),
            _ => None,
        }
    }

    /// Short human name used in error messages.
    fn describe(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Unknown => "unknown",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::Map(_) => "map",
            Value::Object(_) => "object",
            Value::Tuple(_) => "tuple",
        }
    }
}

/// A decode or encode failure, with where in the value it happened.
#[derive(Debug, Clone, PartialEq)]
pub struct CtyError {
    /// Steps from the root value to the offending one.
    pub path: Vec<PathStep>,
    /// What went wrong there.
    pub message: String,
}

impl CtyError {
    fn new(path: Vec<PathStep>, message: impl Into<String>) -> CtyError {
        CtyError {
            path,
            message: message.into(),
        }
    }

    /// The error with `step` inserted at position `at` of its path: for a level that adds its step only to an
    /// error passing through it. Inner levels insert first, at positions after `at`, so the order comes out right.
    pub(super) fn with_step(mut self, at: usize, step: PathStep) -> CtyError {
        self.path.insert(at.min(self.path.len()), step);
        self
    }
}

impl fmt::Display for CtyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            return f.write_str(&self.message);
        }
        f.write_str("at ")?;
        for step in &self.path {
            write!(f, "{step}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for CtyError {}

/// One step into a value: an object attribute, a sequence index or a map key.
#[derive(Debug, Clone, PartialEq)]
pub enum PathStep {
    /// Object attribute, shown as `.name`.
    Attr(String),
    /// List, set or tuple position, shown as `[2]`.
    Index(i64),
    /// Map key, shown as `["key"]`.
    Key(String),
}

impl fmt::Display for PathStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathStep::Attr(a) => write!(f, ".{a}"),
            PathStep::Index(i) => write!(f, "[{i}]"),
            PathStep::Key(k) => write!(f, "[{k:?}]"),
        }
    }
}

fn index_step(i: usize) -> PathStep {
    PathStep::Index(i64::try_from(i).unwrap_or(i64::MAX))
}

/// Decode a msgpack-encoded value of type `ty`.
pub fn decode_msgpack(bytes: &[u8], ty: &CtyType) -> Result<Value, CtyError> {
    let mut dec = MsgpackDecoder {
        input: bytes,
        pos: 0,
        path: Vec::new(),
        depth: 0,
    };
    let value = dec.value(ty)?;
    if dec.pos != bytes.len() {
        return Err(dec.error(format!(
            "{} trailing bytes after the value",
            bytes.len() - dec.pos
        )));
    }
    Ok(value)
}

/// Decode a JSON-encoded value of type `ty` (JSON cannot carry unknowns).
pub fn decode_json(bytes: &[u8], ty: &CtyType) -> Result<Value, CtyError> {
    let json: Json = serde_json::from_slice(bytes)
        .map_err(|e| CtyError::new(Vec::new(), format!("invalid JSON: {e}")))?;
    let mut dec = JsonDecoder {
        path: Vec::new(),
        depth: 0,
    };
    dec.value(&json, ty)
}

/// Encode `value` as msgpack against type `ty`, the way go-cty does.
pub fn encode_msgpack(value: &Value, ty: &CtyType) -> Result<Vec<u8>, CtyError> {
    let mut enc = Encoder {
        out: Vec::new(),
        path: Vec::new(),
        depth: 0,
    };
    enc.value(value, ty)?;
    Ok(enc.out)
}

/// Decode a protocol DynamicValue: msgpack when non-empty, else JSON, else (both empty) Null.
pub fn decode_dynamic(msgpack: &[u8], json: &[u8], ty: &CtyType) -> Result<Value, CtyError> {
    if !msgpack.is_empty() {
        decode_msgpack(msgpack, ty)
    } else if !json.is_empty() {
        decode_json(json, ty)
    } else {
        Ok(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;

    #[test]
    fn number_accessors_convert_between_representations() {
        assert_eq!(Number::Decimal("42".into()).as_i64(), Some(42));
        assert_eq!(Number::Decimal("4.20e1".into()).as_i64(), Some(42));
        assert_eq!(Number::Decimal("-0.0".into()).as_i64(), Some(0));
        assert_eq!(Number::Decimal("1e3".into()).as_i64(), Some(1000));
        assert_eq!(Number::Decimal("0.5".into()).as_i64(), None);
        assert_eq!(
            Number::Decimal("-9223372036854775808".into()).as_i64(),
            Some(i64::MIN)
        );
        assert_eq!(Number::Decimal("9223372036854775808".into()).as_i64(), None);
        assert_eq!(
            Number::Decimal("1e99999999999999999999".into()).as_i64(),
            None
        );
        assert_eq!(Number::Decimal("1e400".into()).as_f64(), None);
        assert_eq!(Number::Decimal("0.5".into()).as_f64(), Some(0.5));
        assert_eq!(Number::Decimal("nan".into()).as_f64(), None);
        assert_eq!(Number::Float(2f64.powi(63)).as_i64(), None);
        assert_eq!(Number::Float(-(2f64.powi(63))).as_i64(), Some(i64::MIN));
        assert_eq!(Number::Int(7).as_f64(), Some(7.0));
    }

    #[test]
    fn elements_covers_list_set_and_tuple_only() {
        let three = vec![int(1), int(2)];
        assert_eq!(Value::List(three.clone()).elements(), Some(&three[..]));
        assert_eq!(Value::Set(three.clone()).elements(), Some(&three[..]));
        assert_eq!(Value::Tuple(three.clone()).elements(), Some(&three[..]));
        assert_eq!(Value::Map(BTreeMap::new()).elements(), None);
        assert_eq!(Value::Null.elements(), None);
    }

    #[test]
    fn decode_dynamic_prefers_msgpack_then_json_then_null() {
        let m = hex("a1 6d"); // "m"
        let j = br#""j""#;
        assert_eq!(decode_dynamic(&m, j, &CtyType::String), Ok(s("m")));
        assert_eq!(decode_dynamic(&[], j, &CtyType::String), Ok(s("j")));
        assert_eq!(decode_dynamic(&[], &[], &CtyType::String), Ok(Value::Null));
    }

    fn nested_list_type(depth: usize) -> CtyType {
        (0..depth).fold(CtyType::Number, |t, _| CtyType::list_of(t))
    }

    #[test]
    fn nesting_beyond_64_levels_is_an_error() {
        let mut ok = vec![0x91; 64];
        ok.push(0x01);
        assert!(decode_msgpack(&ok, &nested_list_type(64)).is_ok());

        let mut deep = vec![0x91; 100];
        deep.push(0x01);
        let e = decode_msgpack(&deep, &nested_list_type(100)).unwrap_err();
        assert!(e.message.contains("nesting depth exceeds 64"), "{e}");

        let json = format!("{}1{}", "[".repeat(100), "]".repeat(100));
        assert!(decode_json(json.as_bytes(), &nested_list_type(100)).is_err());

        let deep_type = (0..100).fold(Json::from("string"), |t, _| {
            Json::Array(vec!["list".into(), t])
        });
        assert!(CtyType::from_json(&deep_type).is_err());
    }

    // ---- type JSON ----

    #[test]
    fn to_json_for_each_type() {
        let j = |t: &CtyType| String::from_utf8(t.to_json()).unwrap();
        assert_eq!(j(&CtyType::String), r#""string""#);
        assert_eq!(j(&CtyType::Number), r#""number""#);
        assert_eq!(j(&CtyType::Bool), r#""bool""#);
        assert_eq!(j(&CtyType::Dynamic), r#""dynamic""#);
        assert_eq!(
            j(&CtyType::list_of(CtyType::String)),
            r#"["list","string"]"#
        );
        assert_eq!(j(&CtyType::set_of(CtyType::Number)), r#"["set","number"]"#);
        assert_eq!(j(&CtyType::map_of(CtyType::Bool)), r#"["map","bool"]"#);
        assert_eq!(
            j(&obj_ty(&[("a", CtyType::String)])),
            r#"["object",{"a":"string"}]"#
        );
        assert_eq!(j(&obj_ty(&[])), r#"["object",{}]"#);
        assert_eq!(
            j(&CtyType::Tuple(vec![CtyType::String, CtyType::Number])),
            r#"["tuple",["string","number"]]"#
        );
        let nested = obj_ty(&[
            ("b", CtyType::list_of(obj_ty(&[("c", CtyType::Bool)]))),
            ("a", CtyType::String),
        ]);
        assert_eq!(
            j(&nested),
            r#"["object",{"a":"string","b":["list",["object",{"c":"bool"}]]}]"#
        );
    }

    #[test]
    fn from_json_parses_every_type_and_rejects_nonsense() {
        let parse = |text: &str| CtyType::from_json(&serde_json::from_str(text).unwrap());
        for ty in [
            CtyType::String,
            CtyType::Dynamic,
            CtyType::set_of(CtyType::map_of(CtyType::Number)),
            obj_ty(&[
                ("a", CtyType::Tuple(vec![CtyType::Bool])),
                ("b", CtyType::Dynamic),
            ]),
        ] {
            let text = String::from_utf8(ty.to_json()).unwrap();
            assert_eq!(parse(&text), Ok(ty));
        }
        // Terraform's optional-attribute form
        assert_eq!(
            parse(r#"["object",{"a":"string"},["a"]]"#),
            Ok(obj_ty(&[("a", CtyType::String)]))
        );
        for bad in [
            r#""int""#,
            r#"["list"]"#,
            r#"["list","string","x"]"#,
            r#"["object",["a"]]"#,
            r#"["object",{"a":"string"},["b"]]"#,
            r#"["tuple","string"]"#,
            r#"["vector","string"]"#,
            "5",
            "null",
        ] {
            assert!(parse(bad).is_err(), "{bad} accepted");
        }
    }
}
