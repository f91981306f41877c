//! Msgpack for cty values: a decoder that distrusts claimed lengths, an encoder that writes as go-cty does.

use std::collections::BTreeMap;

use rmp::Marker;
use serde_json::Value as Json;

use super::{
    CtyError, CtyType, MAX_DEPTH, Number, PathStep, Value, index_step, parse_decimal,
    type_from_json,
};

/// Most element slots reserved up front; a claimed count is only a hint, and a
/// real long list still grows as it is read.
const PREALLOC_LIMIT: usize = 1024;

/// One msgpack item with its scalar payload read, or the length of its container.
enum Head<'a> {
    Nil,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(&'a [u8]),
    Bin(&'a [u8]),
    Array(usize),
    Map(usize),
    Ext,
}

impl Head<'_> {
    fn describe(&self) -> &'static str {
        match self {
            Head::Nil => "nil",
            Head::Bool(_) => "boolean",
            Head::Int(_) | Head::Uint(_) => "integer",
            Head::Float(_) => "float",
            Head::Str(_) => "string",
            Head::Bin(_) => "binary",
            Head::Array(_) => "array",
            Head::Map(_) => "map",
            Head::Ext => "extension",
        }
    }
}

pub(super) struct MsgpackDecoder<'a> {
    pub(super) input: &'a [u8],
    pub(super) pos: usize,
    pub(super) path: Vec<PathStep>,
    pub(super) depth: usize,
}

impl<'a> MsgpackDecoder<'a> {
    pub(super) fn error(&self, message: impl Into<String>) -> CtyError {
        CtyError::new(self.path.clone(), message)
    }

    fn mismatch(&self, ty: &CtyType, found: &Head<'_>) -> CtyError {
        self.error(format!(
            "expected {}, found {}",
            ty.describe(),
            found.describe()
        ))
    }

    fn remaining(&self) -> usize {
        self.input.len().saturating_sub(self.pos)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], CtyError> {
        let bytes = self
            .pos
            .checked_add(n)
            .and_then(|end| self.input.get(self.pos..end))
            .ok_or_else(|| self.error("unexpected end of input"))?;
        self.pos += n;
        Ok(bytes)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], CtyError> {
        let bytes = self.take(N)?;
        bytes
            .try_into()
            .map_err(|_| self.error("unexpected end of input"))
    }

    fn u8(&mut self) -> Result<u8, CtyError> {
        Ok(self.array::<1>()?[0])
    }

    fn u16(&mut self) -> Result<u16, CtyError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, CtyError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, CtyError> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// A 32-bit length as usize; on a platform where it doesn't fit, the
    /// saturated value simply fails the bounds check that follows.
    fn len32(&mut self) -> Result<usize, CtyError> {
        Ok(usize::try_from(self.u32()?).unwrap_or(usize::MAX))
    }

    fn array_head(&self, n: usize) -> Result<Head<'a>, CtyError> {
        // Each element takes at least one byte, so a larger count is a lie;
        // rejecting it here is what keeps `dd ff ff ff ff` from costing anything.
        if n > self.remaining() {
            return Err(self.error(format!(
                "array claims {n} elements but only {} bytes remain",
                self.remaining()
            )));
        }
        Ok(Head::Array(n))
    }

    fn map_head(&self, n: usize) -> Result<Head<'a>, CtyError> {
        if n.saturating_mul(2) > self.remaining() {
            return Err(self.error(format!(
                "map claims {n} entries but only {} bytes remain",
                self.remaining()
            )));
        }
        Ok(Head::Map(n))
    }

    fn read_head(&mut self) -> Result<Head<'a>, CtyError> {
        Ok(match Marker::from_u8(self.u8()?) {
            Marker::Null => Head::Nil,
            Marker::True => Head::Bool(true),
            Marker::False => Head::Bool(false),
            Marker::FixPos(n) => Head::Int(i64::from(n)),
            Marker::FixNeg(n) => Head::Int(i64::from(n)),
            Marker::U8 => Head::Int(i64::from(self.u8()?)),
            Marker::U16 => Head::Int(i64::from(self.u16()?)),
            Marker::U32 => Head::Int(i64::from(self.u32()?)),
            Marker::U64 => {
                let v = self.u64()?;
                i64::try_from(v).map_or(Head::Uint(v), Head::Int)
            }
            Marker::I8 => Head::Int(i64::from(i8::from_be_bytes(self.array()?))),
            Marker::I16 => Head::Int(i64::from(i16::from_be_bytes(self.array()?))),
            Marker::I32 => Head::Int(i64::from(i32::from_be_bytes(self.array()?))),
            Marker::I64 => Head::Int(i64::from_be_bytes(self.array()?)),
            Marker::F32 => Head::Float(f64::from(f32::from_bits(self.u32()?))),
            Marker::F64 => Head::Float(f64::from_bits(self.u64()?)),
            Marker::FixStr(n) => Head::Str(self.take(usize::from(n))?),
            Marker::Str8 => {
                let n = usize::from(self.u8()?);
                Head::Str(self.take(n)?)
            }
            Marker::Str16 => {
                let n = usize::from(self.u16()?);
                Head::Str(self.take(n)?)
            }
            Marker::Str32 => {
                let n = self.len32()?;
                Head::Str(self.take(n)?)
            }
            Marker::Bin8 => {
                let n = usize::from(self.u8()?);
                Head::Bin(self.take(n)?)
            }
            Marker::Bin16 => {
                let n = usize::from(self.u16()?);
                Head::Bin(self.take(n)?)
            }
            Marker::Bin32 => {
                let n = self.len32()?;
                Head::Bin(self.take(n)?)
            }
            Marker::FixArray(n) => self.array_head(usize::from(n))?,
            Marker::Array16 => {
                let n = usize::from(self.u16()?);
                self.array_head(n)?
            }
            Marker::Array32 => {
                let n = self.len32()?;
                self.array_head(n)?
            }
            Marker::FixMap(n) => self.map_head(usize::from(n))?,
            Marker::Map16 => {
                let n = usize::from(self.u16()?);
                self.map_head(n)?
            }
            Marker::Map32 => {
                let n = self.len32()?;
                self.map_head(n)?
            }
            // Any extension is an unknown: code 0 is the classic one, 12 a
            // refined unknown whose refinements a provider may ignore. The
            // +1 is the type byte that precedes the payload.
            Marker::FixExt1 => self.skip_ext(1)?,
            Marker::FixExt2 => self.skip_ext(2)?,
            Marker::FixExt4 => self.skip_ext(4)?,
            Marker::FixExt8 => self.skip_ext(8)?,
            Marker::FixExt16 => self.skip_ext(16)?,
            Marker::Ext8 => {
                let n = usize::from(self.u8()?);
                self.skip_ext(n)?
            }
            Marker::Ext16 => {
                let n = usize::from(self.u16()?);
                self.skip_ext(n)?
            }
            Marker::Ext32 => {
                let n = self.len32()?;
                self.skip_ext(n)?
            }
            Marker::Reserved => return Err(self.error("invalid msgpack byte 0xc1")),
        })
    }

    fn skip_ext(&mut self, payload: usize) -> Result<Head<'a>, CtyError> {
        self.take(payload.saturating_add(1))?;
        Ok(Head::Ext)
    }

    fn enter(&mut self) -> Result<(), CtyError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(format!("nesting depth exceeds {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    fn utf8(&self, bytes: &[u8]) -> Result<String, CtyError> {
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|e| self.error(format!("string is not valid UTF-8: {e}")))
    }

    pub(super) fn value(&mut self, ty: &CtyType) -> Result<Value, CtyError> {
        let head = self.read_head()?;
        match (ty, head) {
            (_, Head::Nil) => Ok(Value::Null),
            (_, Head::Ext) => Ok(Value::Unknown),
            (CtyType::String, Head::Str(b) | Head::Bin(b)) => Ok(Value::String(self.utf8(b)?)),
            (CtyType::Number, Head::Int(i)) => Ok(Value::Number(Number::Int(i))),
            (CtyType::Number, Head::Uint(u)) => Ok(Value::Number(Number::Decimal(u.to_string()))),
            (CtyType::Number, Head::Float(f)) if f.is_nan() => {
                Err(self.error("NaN is not a valid number"))
            }
            (CtyType::Number, Head::Float(f)) => Ok(Value::Number(Number::Float(f))),
            (CtyType::Number, Head::Str(b)) => {
                let s = self.utf8(b)?;
                if parse_decimal(&s).is_none() {
                    return Err(self.error(format!("{s:?} is not a number")));
                }
                Ok(Value::Number(Number::Decimal(s)))
            }
            (CtyType::Bool, Head::Bool(b)) => Ok(Value::Bool(b)),
            (CtyType::Dynamic, Head::Array(2)) => self.dynamic(),
            (CtyType::Dynamic, Head::Array(n)) => Err(self.error(format!(
                "dynamic value must be a [type, value] array, found {n} elements"
            ))),
            (CtyType::List(et), Head::Array(n)) => Ok(Value::List(self.sequence(n, et)?)),
            (CtyType::Set(et), Head::Array(n)) => Ok(Value::Set(self.sequence(n, et)?)),
            (CtyType::Tuple(ts), Head::Array(n)) => {
                if n != ts.len() {
                    return Err(self.error(format!(
                        "expected tuple of {} elements, found {n}",
                        ts.len()
                    )));
                }
                self.enter()?;
                let mut out = Vec::with_capacity(n.min(PREALLOC_LIMIT));
                for (i, et) in ts.iter().enumerate() {
                    self.path.push(index_step(i));
                    out.push(self.value(et)?);
                    self.path.pop();
                }
                self.depth -= 1;
                Ok(Value::Tuple(out))
            }
            (CtyType::Map(et), Head::Map(n)) => {
                self.enter()?;
                let mut out = BTreeMap::new();
                for _ in 0..n {
                    let key = self.key()?;
                    self.path.push(PathStep::Key(key.clone()));
                    if out.contains_key(&key) {
                        return Err(self.error("duplicate map key"));
                    }
                    let v = self.value(et)?;
                    self.path.pop();
                    out.insert(key, v);
                }
                self.depth -= 1;
                Ok(Value::Map(out))
            }
            (CtyType::Object(attrs), Head::Map(n)) => self.object(attrs, n),
            (ty, head) => Err(self.mismatch(ty, &head)),
        }
    }

    /// A `dynamic` value: `[type as JSON, value]`.
    fn dynamic(&mut self) -> Result<Value, CtyError> {
        self.enter()?;
        let ty_json = match self.read_head()? {
            Head::Str(b) | Head::Bin(b) => b,
            other => {
                return Err(self.error(format!(
                    "dynamic value type must be a string, found {}",
                    other.describe()
                )));
            }
        };
        let json: Json = serde_json::from_slice(ty_json)
            .map_err(|e| self.error(format!("dynamic value type is not JSON: {e}")))?;
        let inner =
            type_from_json(&json, 0).map_err(|m| self.error(format!("dynamic value type: {m}")))?;
        let v = self.value(&inner)?;
        self.depth -= 1;
        Ok(v)
    }

    /// An object of `n` attributes, each decoded by its type in `attrs`.
    fn object(&mut self, attrs: &BTreeMap<String, CtyType>, n: usize) -> Result<Value, CtyError> {
        self.enter()?;
        // One slot per attribute, in the type's (name) order. go-cty writes attributes sorted by name, so
        // the slot after the last one filled is nearly always the next name's: one comparison instead
        // of a tree search, and no String for a name that is only looked up. Any order is accepted.
        let mut slots: Vec<(&String, &CtyType, Option<Value>)> =
            attrs.iter().map(|(name, aty)| (name, aty, None)).collect();
        let mut next = 0;
        for _ in 0..n {
            let key = self.key_str()?;
            let index = match slots.get(next) {
                Some((name, _, _)) if name.as_str() == key => next,
                _ => match slots.binary_search_by(|(name, _, _)| name.as_str().cmp(key)) {
                    Ok(index) => index,
                    // Strict on unknown names: they mean the schema and the
                    // sender disagree, which silent dropping would hide.
                    Err(_) => {
                        return Err(self.error(format!("unsupported attribute {key:?}")));
                    }
                },
            };
            next = index + 1;
            let (name, aty, slot) = &mut slots[index];
            if slot.is_some() {
                let mut err = self.error("duplicate attribute");
                err.path.push(PathStep::Attr((*name).clone()));
                return Err(err);
            }
            // The attribute's step enters the path only when an error needs it (a clone of every name
            // otherwise); steps below it are already in the error's path, after this position.
            let at = self.path.len();
            let value = self
                .value(aty)
                .map_err(|err| err.with_step(at, PathStep::Attr((*name).clone())))?;
            *slot = Some(value);
        }
        self.depth -= 1;
        // Lenient on missing ones: go-cty treats them as null too. Collected in name order, so the map
        // is built without a search per attribute.
        Ok(Value::Object(
            slots
                .into_iter()
                .map(|(name, _, value)| (name.clone(), value.unwrap_or(Value::Null)))
                .collect(),
        ))
    }

    fn sequence(&mut self, n: usize, et: &CtyType) -> Result<Vec<Value>, CtyError> {
        self.enter()?;
        let mut out = Vec::with_capacity(n.min(PREALLOC_LIMIT));
        for i in 0..n {
            self.path.push(index_step(i));
            out.push(self.value(et)?);
            self.path.pop();
        }
        self.depth -= 1;
        Ok(out)
    }

    fn key(&mut self) -> Result<String, CtyError> {
        self.key_str().map(str::to_owned)
    }

    /// A map key or attribute name, borrowed from the input.
    fn key_str(&mut self) -> Result<&'a str, CtyError> {
        match self.read_head()? {
            Head::Str(b) | Head::Bin(b) => std::str::from_utf8(b)
                .map_err(|e| self.error(format!("string is not valid UTF-8: {e}"))),
            other => Err(self.error(format!(
                "map key must be a string, found {}",
                other.describe()
            ))),
        }
    }
}

pub(super) struct Encoder {
    pub(super) out: Vec<u8>,
    pub(super) path: Vec<PathStep>,
    pub(super) depth: usize,
}

impl Encoder {
    fn error(&self, message: impl Into<String>) -> CtyError {
        CtyError::new(self.path.clone(), message)
    }

    fn enter(&mut self) -> Result<(), CtyError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(format!("nesting depth exceeds {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    pub(super) fn value(&mut self, v: &Value, ty: &CtyType) -> Result<(), CtyError> {
        match (ty, v) {
            (_, Value::Null) => self.out.push(0xc0),
            // fixext1, type 0, one zero byte: the classic unknown every Terraform version reads.
            (_, Value::Unknown) => self.out.extend_from_slice(&[0xd4, 0x00, 0x00]),
            (CtyType::Dynamic, v) => {
                let inner = infer_type(v, self.depth).map_err(|m| self.error(m))?;
                self.enter()?;
                self.out.push(0x92);
                // go-cty writes the type as bin; Terraform reads bin or str.
                self.bin(&inner.to_json())?;
                self.value(v, &inner)?;
                self.depth -= 1;
            }
            (CtyType::String, Value::String(s)) => self.str(s)?,
            (CtyType::Number, Value::Number(n)) => self.number(n)?,
            (CtyType::Bool, Value::Bool(b)) => self.out.push(if *b { 0xc3 } else { 0xc2 }),
            // The wire form of list, set and tuple is the same array, so any
            // sequence value is accepted; the element types are still checked.
            (
                CtyType::List(et) | CtyType::Set(et),
                Value::List(items) | Value::Set(items) | Value::Tuple(items),
            ) => {
                self.enter()?;
                self.len_header(items.len(), 0x90, 0xdc)?;
                for (i, item) in items.iter().enumerate() {
                    self.path.push(index_step(i));
                    self.value(item, et)?;
                    self.path.pop();
                }
                self.depth -= 1;
            }
            (CtyType::Tuple(ts), Value::List(items) | Value::Set(items) | Value::Tuple(items)) => {
                if items.len() != ts.len() {
                    return Err(self.error(format!(
                        "expected tuple of {} elements, found {}",
                        ts.len(),
                        items.len()
                    )));
                }
                self.enter()?;
                self.len_header(items.len(), 0x90, 0xdc)?;
                for (i, (item, et)) in items.iter().zip(ts).enumerate() {
                    self.path.push(index_step(i));
                    self.value(item, et)?;
                    self.path.pop();
                }
                self.depth -= 1;
            }
            (CtyType::Map(et), Value::Map(m) | Value::Object(m)) => {
                self.enter()?;
                self.len_header(m.len(), 0x80, 0xde)?;
                for (k, item) in m {
                    self.path.push(PathStep::Key(k.clone()));
                    self.str(k)?;
                    self.value(item, et)?;
                    self.path.pop();
                }
                self.depth -= 1;
            }
            (CtyType::Object(attrs), Value::Map(m) | Value::Object(m)) => {
                // Both maps iterate in name order, so one pass over each finds a name the type lacks (the
                // first, as a lookup per name would) and then each attribute's value, without a search per name.
                let mut names = attrs.keys().peekable();
                for key in m.keys() {
                    while names.next_if(|name| *name < key).is_some() {}
                    if names.next_if(|name| *name == key).is_none() {
                        return Err(self.error(format!("unsupported attribute {key:?}")));
                    }
                }
                self.enter()?;
                // Terraform expects every attribute of the type on the wire,
                // null or not; BTreeMap order makes the output deterministic.
                self.len_header(attrs.len(), 0x80, 0xde)?;
                let mut values = m.iter().peekable();
                for (name, aty) in attrs {
                    let item = values
                        .next_if(|(key, _)| *key == name)
                        .map_or(&Value::Null, |(_, item)| item);
                    // The attribute's step enters the path only when an error needs it, as in decoding.
                    let at = self.path.len();
                    let step = || PathStep::Attr(name.clone());
                    self.str(name).map_err(|err| err.with_step(at, step()))?;
                    self.value(item, aty)
                        .map_err(|err| err.with_step(at, step()))?;
                }
                self.depth -= 1;
            }
            (ty, v) => {
                return Err(self.error(format!(
                    "expected {}, found {}",
                    ty.describe(),
                    v.describe()
                )));
            }
        }
        Ok(())
    }

    /// Array and map headers share a layout: fix form, then 16- and 32-bit forms at `base16`, `base16 + 1`.
    fn len_header(&mut self, len: usize, fix: u8, base16: u8) -> Result<(), CtyError> {
        match len {
            0..=15 => self.out.push(fix | len as u8),
            16..=0xffff => {
                self.out.push(base16);
                self.out.extend_from_slice(&(len as u16).to_be_bytes());
            }
            _ => {
                let n =
                    u32::try_from(len).map_err(|_| self.error("too many elements for msgpack"))?;
                self.out.push(base16 + 1);
                self.out.extend_from_slice(&n.to_be_bytes());
            }
        }
        Ok(())
    }

    fn str(&mut self, s: &str) -> Result<(), CtyError> {
        let len = s.len();
        match len {
            0..=31 => self.out.push(0xa0 | len as u8),
            32..=0xff => self.out.extend_from_slice(&[0xd9, len as u8]),
            0x100..=0xffff => {
                self.out.push(0xda);
                self.out.extend_from_slice(&(len as u16).to_be_bytes());
            }
            _ => {
                let n =
                    u32::try_from(len).map_err(|_| self.error("string too long for msgpack"))?;
                self.out.push(0xdb);
                self.out.extend_from_slice(&n.to_be_bytes());
            }
        }
        self.out.extend_from_slice(s.as_bytes());
        Ok(())
    }

    fn bin(&mut self, b: &[u8]) -> Result<(), CtyError> {
        let len = b.len();
        match len {
            0..=0xff => self.out.extend_from_slice(&[0xc4, len as u8]),
            0x100..=0xffff => {
                self.out.push(0xc5);
                self.out.extend_from_slice(&(len as u16).to_be_bytes());
            }
            _ => {
                let n = u32::try_from(len).map_err(|_| self.error("bytes too long for msgpack"))?;
                self.out.push(0xc6);
                self.out.extend_from_slice(&n.to_be_bytes());
            }
        }
        self.out.extend_from_slice(b);
        Ok(())
    }

    fn number(&mut self, n: &Number) -> Result<(), CtyError> {
        match n {
            Number::Int(i) => self.int(*i),
            Number::Float(f) if f.is_nan() => return Err(self.error("NaN is not a valid number")),
            // Integral floats go out as ints, as go-cty does, so the same
            // number always has the same bytes.
            Number::Float(f) => match n.as_i64() {
                Some(i) => self.int(i),
                None => {
                    self.out.push(0xcb);
                    self.out.extend_from_slice(&f.to_bits().to_be_bytes());
                }
            },
            Number::Decimal(s) => {
                let Some(parts) = parse_decimal(s) else {
                    return Err(self.error(format!("{s:?} is not a number")));
                };
                match parts.to_i64() {
                    Some(i) => self.int(i),
                    // Terraform parses number strings at full precision.
                    None => self.str(s)?,
                }
            }
        }
        Ok(())
    }

    /// Smallest encoding, unsigned forms for non-negatives, as go-cty's msgpack library writes them.
    fn int(&mut self, i: i64) {
        let out = &mut self.out;
        if i >= 0 {
            let u = i as u64;
            if u <= 0x7f {
                out.push(u as u8);
            } else if u <= 0xff {
                out.extend_from_slice(&[0xcc, u as u8]);
            } else if u <= 0xffff {
                out.push(0xcd);
                out.extend_from_slice(&(u as u16).to_be_bytes());
            } else if u <= 0xffff_ffff {
                out.push(0xce);
                out.extend_from_slice(&(u as u32).to_be_bytes());
            } else {
                out.push(0xcf);
                out.extend_from_slice(&u.to_be_bytes());
            }
        } else if i >= -32 {
            out.push(i as u8);
        } else if i >= i64::from(i8::MIN) {
            out.extend_from_slice(&[0xd0, i as u8]);
        } else if i >= i64::from(i16::MIN) {
            out.push(0xd1);
            out.extend_from_slice(&(i as i16).to_be_bytes());
        } else if i >= i64::from(i32::MIN) {
            out.push(0xd2);
            out.extend_from_slice(&(i as i32).to_be_bytes());
        } else {
            out.push(0xd3);
            out.extend_from_slice(&i.to_be_bytes());
        }
    }
}

/// The type a value sent as `dynamic` declares for itself. Nulls and unknowns
/// say nothing, so they become `dynamic` and yield to any sibling's type.
fn infer_type(v: &Value, depth: usize) -> Result<CtyType, String> {
    if depth > MAX_DEPTH {
        return Err(format!("nesting depth exceeds {MAX_DEPTH} levels"));
    }
    Ok(match v {
        Value::Null | Value::Unknown => CtyType::Dynamic,
        Value::Bool(_) => CtyType::Bool,
        Value::Number(_) => CtyType::Number,
        Value::String(_) => CtyType::String,
        Value::List(items) => CtyType::list_of(common_type(items, depth)?),
        Value::Set(items) => CtyType::set_of(common_type(items, depth)?),
        Value::Map(m) => CtyType::map_of(common_type(m.values(), depth)?),
        Value::Object(m) => CtyType::Object(
            m.iter()
                .map(|(k, item)| Ok((k.clone(), infer_type(item, depth + 1)?)))
                .collect::<Result<_, String>>()?,
        ),
        Value::Tuple(items) => CtyType::Tuple(
            items
                .iter()
                .map(|item| infer_type(item, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
    })
}

fn common_type<'v>(
    items: impl IntoIterator<Item = &'v Value>,
    depth: usize,
) -> Result<CtyType, String> {
    let mut acc = CtyType::Dynamic;
    for item in items {
        let t = infer_type(item, depth + 1)?;
        acc = unify(&acc, &t).ok_or_else(|| {
            format!(
                "collection elements have different types ({} and {})",
                acc.describe(),
                t.describe()
            )
        })?;
    }
    Ok(acc)
}

fn unify(a: &CtyType, b: &CtyType) -> Option<CtyType> {
    match (a, b) {
        (CtyType::Dynamic, t) | (t, CtyType::Dynamic) => Some(t.clone()),
        (CtyType::List(x), CtyType::List(y)) => Some(CtyType::list_of(unify(x, y)?)),
        (CtyType::Set(x), CtyType::Set(y)) => Some(CtyType::set_of(unify(x, y)?)),
        (CtyType::Map(x), CtyType::Map(y)) => Some(CtyType::map_of(unify(x, y)?)),
        // An attribute missing from one object encodes as null, so the union works.
        (CtyType::Object(x), CtyType::Object(y)) => {
            let mut out = x.clone();
            for (k, ty) in y {
                let merged = match x.get(k) {
                    Some(existing) => unify(existing, ty)?,
                    None => ty.clone(),
                };
                out.insert(k.clone(), merged);
            }
            Some(CtyType::Object(out))
        }
        (CtyType::Tuple(x), CtyType::Tuple(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .map(|(p, q)| unify(p, q))
            .collect::<Option<_>>()
            .map(CtyType::Tuple),
        (x, y) if x == y => Some(x.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{decode_msgpack, encode_msgpack};
    use super::*;

    fn num(bytes: &str) -> Number {
        match decode_msgpack(&hex(bytes), &CtyType::Number) {
            Ok(Value::Number(n)) => n,
            other => panic!("{bytes}: {other:?}"),
        }
    }

    fn enc(v: &Value, ty: &CtyType) -> Vec<u8> {
        encode_msgpack(v, ty).unwrap()
    }

    // ---- null and unknown ----

    #[test]
    fn nil_decodes_as_null_for_any_type() {
        for ty in [
            CtyType::String,
            CtyType::Number,
            CtyType::Dynamic,
            CtyType::list_of(CtyType::String),
            obj_ty(&[("a", CtyType::Bool)]),
        ] {
            assert_eq!(decode_msgpack(&hex("c0"), &ty), Ok(Value::Null));
        }
    }

    #[test]
    fn fixext1_type0_decodes_as_unknown() {
        assert_eq!(
            decode_msgpack(&hex("d4 00 00"), &CtyType::String),
            Ok(Value::Unknown)
        );
        assert_eq!(
            decode_msgpack(&hex("d4 00 00"), &CtyType::Dynamic),
            Ok(Value::Unknown)
        );
    }

    #[test]
    fn refined_unknown_ext8_type12_decodes_as_unknown() {
        // ext8, length 3, type 12, payload {1: false}
        let v = decode_msgpack(&hex("c7 03 0c 81 01 c2"), &CtyType::String).unwrap();
        assert!(v.is_unknown());
    }

    #[test]
    fn every_extension_size_and_code_decodes_as_unknown() {
        for bytes in [
            "d5 05 00 00",                                           // fixext2 type 5
            "d6 7f 00 00 00 00",                                     // fixext4 type 127
            "d7 ff 00 00 00 00 00 00 00 00",                         // fixext8 type -1
            "d8 0c 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", // fixext16
            "c7 00 05",                                              // ext8, empty payload
            "c8 00 02 05 aa bb",                                     // ext16
            "c9 00 00 00 01 05 aa",                                  // ext32
        ] {
            assert_eq!(
                decode_msgpack(&hex(bytes), &CtyType::Number),
                Ok(Value::Unknown),
                "{bytes}"
            );
        }
    }

    #[test]
    fn unknown_inside_list_element_is_contained_not_top_level() {
        // [ "a", unknown ]
        let v = decode_msgpack(
            &hex("92 a1 61 d4 00 00"),
            &CtyType::list_of(CtyType::String),
        )
        .unwrap();
        assert_eq!(v, Value::List(vec![s("a"), Value::Unknown]));
        assert!(!v.is_unknown());
        assert!(v.contains_unknown());
        assert!(!Value::List(vec![s("a")]).contains_unknown());
        assert!(
            obj(&[(
                "x",
                Value::Map(BTreeMap::from([("k".into(), Value::Unknown)]))
            )])
            .contains_unknown()
        );
    }

    // ---- strings ----

    #[test]
    fn strings_decode_from_every_str_width_and_from_bin() {
        assert_eq!(decode_msgpack(&hex("a0"), &CtyType::String), Ok(s("")));
        assert_eq!(
            decode_msgpack(&hex("a2 68 69"), &CtyType::String),
            Ok(s("hi"))
        );
        assert_eq!(
            decode_msgpack(&hex("d9 02 68 69"), &CtyType::String),
            Ok(s("hi"))
        );
        assert_eq!(
            decode_msgpack(&hex("da 00 02 68 69"), &CtyType::String),
            Ok(s("hi"))
        );
        assert_eq!(
            decode_msgpack(&hex("db 00 00 00 02 68 69"), &CtyType::String),
            Ok(s("hi"))
        );
        assert_eq!(
            decode_msgpack(&hex("c4 02 68 69"), &CtyType::String),
            Ok(s("hi"))
        );
        assert_eq!(
            decode_msgpack(&hex("c5 00 01 7a"), &CtyType::String),
            Ok(s("z"))
        );
        assert_eq!(
            decode_msgpack(&hex("c6 00 00 00 01 7a"), &CtyType::String),
            Ok(s("z"))
        );
        // "é" as UTF-8
        assert_eq!(
            decode_msgpack(&hex("a2 c3 a9"), &CtyType::String),
            Ok(s("é"))
        );
    }

    #[test]
    fn invalid_utf8_is_an_error_in_str_and_bin() {
        assert!(err_msg(decode_msgpack(&hex("a2 ff fe"), &CtyType::String)).contains("UTF-8"));
        assert!(err_msg(decode_msgpack(&hex("c4 01 ff"), &CtyType::String)).contains("UTF-8"));
        // a truncated multi-byte sequence
        assert!(decode_msgpack(&hex("a1 c3"), &CtyType::String).is_err());
    }

    #[test]
    fn bool_decodes_and_rejects_other_kinds() {
        assert_eq!(
            decode_msgpack(&hex("c3"), &CtyType::Bool),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            decode_msgpack(&hex("c2"), &CtyType::Bool),
            Ok(Value::Bool(false))
        );
        assert_eq!(
            err_msg(decode_msgpack(&hex("01"), &CtyType::Bool)),
            "expected bool, found integer"
        );
        assert_eq!(
            err_msg(decode_msgpack(&hex("c3"), &CtyType::String)),
            "expected string, found boolean"
        );
    }

    // ---- numbers ----

    #[test]
    fn positive_fixint_decodes_as_int() {
        assert_eq!(num("00"), Number::Int(0));
        assert_eq!(num("05"), Number::Int(5));
        assert_eq!(num("7f"), Number::Int(127));
    }

    #[test]
    fn negative_fixint_decodes_as_int() {
        assert_eq!(num("ff"), Number::Int(-1));
        assert_eq!(num("e0"), Number::Int(-32));
    }

    #[test]
    fn signed_ints_of_every_width_decode() {
        assert_eq!(num("d0 80"), Number::Int(-128));
        assert_eq!(num("d0 7f"), Number::Int(127));
        assert_eq!(num("d1 80 00"), Number::Int(-32768));
        assert_eq!(num("d1 ff 7f"), Number::Int(-129));
        assert_eq!(num("d2 80 00 00 00"), Number::Int(-2147483648));
        assert_eq!(num("d3 80 00 00 00 00 00 00 00"), Number::Int(i64::MIN));
        assert_eq!(num("d3 ff ff ff ff ff ff ff fe"), Number::Int(-2));
    }

    #[test]
    fn unsigned_ints_of_every_width_decode() {
        assert_eq!(num("cc ff"), Number::Int(255));
        assert_eq!(num("cd ff ff"), Number::Int(65535));
        assert_eq!(num("ce ff ff ff ff"), Number::Int(4294967295));
        assert_eq!(num("cf 7f ff ff ff ff ff ff ff"), Number::Int(i64::MAX));
    }

    #[test]
    fn uint64_above_i64_max_decodes_as_decimal() {
        let n = num("cf 80 00 00 00 00 00 00 00");
        assert_eq!(n, Number::Decimal("9223372036854775808".into()));
        assert_eq!(n.as_i64(), None);
        assert_eq!(
            num("cf ff ff ff ff ff ff ff ff"),
            Number::Decimal("18446744073709551615".into())
        );
    }

    #[test]
    fn float32_decodes_as_float() {
        // 1.5f32 = 0x3fc00000
        assert_eq!(num("ca 3f c0 00 00"), Number::Float(1.5));
    }

    #[test]
    fn float64_decodes_as_float() {
        // 1.5f64 = 0x3ff8000000000000
        let n = num("cb 3f f8 00 00 00 00 00 00");
        assert_eq!(n, Number::Float(1.5));
        assert_eq!(n.as_i64(), None);
        assert_eq!(n.as_f64(), Some(1.5));
    }

    #[test]
    fn integral_float64_stays_float_but_converts_to_i64() {
        // 100.0 = 0x4059000000000000
        let n = num("cb 40 59 00 00 00 00 00 00");
        assert_eq!(n, Number::Float(100.0));
        assert_eq!(n.as_i64(), Some(100));
    }

    #[test]
    fn infinity_is_accepted_as_float() {
        assert_eq!(
            num("cb 7f f0 00 00 00 00 00 00"),
            Number::Float(f64::INFINITY)
        );
        assert_eq!(
            num("cb ff f0 00 00 00 00 00 00"),
            Number::Float(f64::NEG_INFINITY)
        );
    }

    #[test]
    fn nan_is_rejected_in_float32_and_float64() {
        assert!(
            err_msg(decode_msgpack(
                &hex("cb 7f f8 00 00 00 00 00 00"),
                &CtyType::Number
            ))
            .contains("NaN")
        );
        assert!(err_msg(decode_msgpack(&hex("ca 7f c0 00 00"), &CtyType::Number)).contains("NaN"));
    }

    #[test]
    fn numeric_string_decodes_as_decimal_text() {
        let bytes = hex_then("b7", "12345678901234567890123");
        assert_eq!(
            decode_msgpack(&bytes, &CtyType::Number),
            Ok(Value::Number(Number::Decimal(
                "12345678901234567890123".into()
            )))
        );
        assert_eq!(num("a3 31 2e 35"), Number::Decimal("1.5".into()));
        assert_eq!(num("a4 2d 32 65 33"), Number::Decimal("-2e3".into()));
    }

    #[test]
    fn non_numeric_string_as_number_is_an_error() {
        assert_eq!(
            err_msg(decode_msgpack(&hex("a3 61 62 63"), &CtyType::Number)),
            "\"abc\" is not a number"
        );
        for bad in [
            "", "-", ".", "1e", "1e+", "0x10", "1.2.3", "inf", "NaN", " 1", "1_000",
        ] {
            assert!(parse_decimal(bad).is_none(), "{bad:?} accepted");
        }
        for good in ["0", "-1", "+1", "1.", ".5", "1.5e-3", "1E10", "007"] {
            assert!(parse_decimal(good).is_some(), "{good:?} rejected");
        }
    }

    // ---- collections and objects ----

    #[test]
    fn list_set_and_tuple_decode_from_arrays() {
        let bytes = hex("93 01 02 03");
        assert_eq!(
            decode_msgpack(&bytes, &CtyType::list_of(CtyType::Number)),
            Ok(Value::List(vec![int(1), int(2), int(3)]))
        );
        assert_eq!(
            decode_msgpack(&bytes, &CtyType::set_of(CtyType::Number)),
            Ok(Value::Set(vec![int(1), int(2), int(3)]))
        );
        let tuple = CtyType::Tuple(vec![CtyType::String, CtyType::Number]);
        assert_eq!(
            decode_msgpack(&hex("92 a1 61 01"), &tuple),
            Ok(Value::Tuple(vec![s("a"), int(1)]))
        );
        assert_eq!(
            err_msg(decode_msgpack(&hex("91 a1 61"), &tuple)),
            "expected tuple of 2 elements, found 1"
        );
        assert_eq!(
            err_msg(decode_msgpack(&hex("92 01 01"), &tuple)),
            "at [0]: expected string, found integer"
        );
        // array16 with 2 elements
        assert_eq!(
            decode_msgpack(&hex("dc 00 02 c3 c2"), &CtyType::list_of(CtyType::Bool)),
            Ok(Value::List(vec![Value::Bool(true), Value::Bool(false)]))
        );
    }

    #[test]
    fn map_decodes_and_names_the_key_in_errors() {
        let ty = CtyType::map_of(CtyType::Number);
        // {"b": 2, "a": 1}
        assert_eq!(
            decode_msgpack(&hex("82 a1 62 02 a1 61 01"), &ty),
            Ok(Value::Map(BTreeMap::from([
                ("a".into(), int(1)),
                ("b".into(), int(2))
            ])))
        );
        assert_eq!(
            err_msg(decode_msgpack(&hex("81 a1 6b a1 78"), &ty)),
            "at [\"k\"]: \"x\" is not a number"
        );
        assert!(err_msg(decode_msgpack(&hex("82 a1 61 01 a1 61 02"), &ty)).contains("duplicate"));
        assert_eq!(
            err_msg(decode_msgpack(&hex("81 01 01"), &ty)),
            "map key must be a string, found integer"
        );
    }

    #[test]
    fn object_with_all_attributes_decodes() {
        // {"a": "x", "b": 5, "c": true}
        let v = decode_msgpack(&hex("83 a1 61 a1 78 a1 62 05 a1 63 c3"), &abc_type()).unwrap();
        assert_eq!(
            v,
            obj(&[("a", s("x")), ("b", int(5)), ("c", Value::Bool(true))])
        );
        assert_eq!(v.get("a").and_then(Value::as_str), Some("x"));
        assert_eq!(v.get("b").and_then(Value::as_number), Some(&Number::Int(5)));
        assert_eq!(v.get("c").and_then(Value::as_bool), Some(true));
        assert_eq!(v.get("zz"), None);
        assert_eq!(s("x").get("a"), None);
    }

    #[test]
    fn object_missing_attribute_decodes_as_null() {
        // {"a": "x", "c": false}
        let v = decode_msgpack(&hex("82 a1 61 a1 78 a1 63 c2"), &abc_type()).unwrap();
        assert_eq!(v.get("b"), Some(&Value::Null));
        assert!(v.get("b").unwrap().is_null());
    }

    #[test]
    fn object_unknown_attribute_is_an_error_naming_it() {
        // {"a": "x", "z": 1}
        let e = decode_msgpack(&hex("82 a1 61 a1 78 a1 7a 01"), &abc_type()).unwrap_err();
        assert_eq!(e.message, "unsupported attribute \"z\"");
        assert!(e.path.is_empty());
    }

    #[test]
    fn wrong_type_at_nested_path_reports_the_path() {
        let ty = obj_ty(&[("scopes", CtyType::list_of(CtyType::String))]);
        // {"scopes": ["a", "b", 5]}
        let bytes = hex_then("81 a6", "scopes")
            .into_iter()
            .chain(hex("93 a1 61 a1 62 05"))
            .collect::<Vec<_>>();
        let e = decode_msgpack(&bytes, &ty).unwrap_err();
        assert_eq!(
            e.to_string(),
            "at .scopes[2]: expected string, found integer"
        );
        assert_eq!(
            e.path,
            vec![PathStep::Attr("scopes".into()), PathStep::Index(2)]
        );

        let ty = obj_ty(&[("client_id", CtyType::String)]);
        let bytes = hex_then("81 a9", "client_id")
            .into_iter()
            .chain(hex("90"))
            .collect::<Vec<_>>();
        assert_eq!(
            err_msg(decode_msgpack(&bytes, &ty)),
            "at .client_id: expected string, found array"
        );
    }

    // ---- dynamic ----

    #[test]
    fn dynamic_decodes_from_type_bin_and_value() {
        // ["\"string\"" as bin8, "hi"]
        let bytes = hex("92 c4 08 22 73 74 72 69 6e 67 22 a2 68 69");
        assert_eq!(decode_msgpack(&bytes, &CtyType::Dynamic), Ok(s("hi")));
    }

    #[test]
    fn dynamic_decodes_from_type_str_with_a_compound_type() {
        // ["[\"list\",\"number\"]" as fixstr (17 bytes), [1, 2]]
        let mut bytes = hex_then("92 b1", r#"["list","number"]"#);
        bytes.extend(hex("92 01 02"));
        assert_eq!(
            decode_msgpack(&bytes, &CtyType::Dynamic),
            Ok(Value::List(vec![int(1), int(2)]))
        );
    }

    #[test]
    fn dynamic_inside_an_object_and_bad_dynamic_shapes() {
        let ty = obj_ty(&[("v", CtyType::Dynamic)]);
        // {"v": ["\"bool\"", true]}
        let bytes = hex("81 a1 76 92 a6 22 62 6f 6f 6c 22 c3");
        assert_eq!(
            decode_msgpack(&bytes, &ty),
            Ok(obj(&[("v", Value::Bool(true))]))
        );
        // three-element array
        assert!(
            err_msg(decode_msgpack(&hex("93 a1 61 01 02"), &CtyType::Dynamic))
                .contains("[type, value]")
        );
        // type that isn't JSON
        assert!(
            err_msg(decode_msgpack(&hex("92 a1 7b 01"), &CtyType::Dynamic)).contains("not JSON")
        );
        // JSON that isn't a type
        assert!(
            err_msg(decode_msgpack(
                &hex("92 a5 22 69 6e 74 22 01"),
                &CtyType::Dynamic
            ))
            .contains("unknown type \"int\"")
        );
        // value not matching its declared type: ["\"bool\"", 1]
        assert_eq!(
            err_msg(decode_msgpack(
                &hex("92 a6 22 62 6f 6f 6c 22 01"),
                &CtyType::Dynamic
            )),
            "expected bool, found integer"
        );
    }

    // ---- encoding ----

    #[test]
    fn encode_object_writes_every_attribute_sorted_with_nil_for_missing() {
        let v = obj(&[("a", s("x"))]);
        assert_eq!(
            enc(&v, &abc_type()),
            hex("83 a1 61 a1 78 a1 62 c0 a1 63 c0")
        );
        // explicit values, inserted in a different order
        let v = obj(&[("c", Value::Bool(true)), ("b", int(5)), ("a", s("x"))]);
        assert_eq!(
            enc(&v, &abc_type()),
            hex("83 a1 61 a1 78 a1 62 05 a1 63 c3")
        );
    }

    #[test]
    fn encode_object_with_extra_attribute_is_an_error() {
        let v = obj(&[("a", s("x")), ("zz", int(1))]);
        let e = encode_msgpack(&v, &abc_type()).unwrap_err();
        assert_eq!(e.message, "unsupported attribute \"zz\"");
    }

    #[test]
    fn encode_type_mismatch_reports_the_path() {
        let ty = obj_ty(&[("scopes", CtyType::list_of(CtyType::String))]);
        let v = obj(&[("scopes", Value::List(vec![s("a"), int(1)]))]);
        assert_eq!(
            encode_msgpack(&v, &ty).unwrap_err().to_string(),
            "at .scopes[1]: expected string, found number"
        );
    }

    /// `{"a": [{"b": <item>}], "c": <c>}` against `{a: list(object({b: string})), c: string}`.
    fn nested(item: &str, c: &str) -> (Vec<u8>, CtyType) {
        let ty = obj_ty(&[
            ("a", CtyType::list_of(obj_ty(&[("b", CtyType::String)]))),
            ("c", CtyType::String),
        ]);
        (hex(&format!("82 a1 61 91 81 a1 62 {item} a1 63 {c}")), ty)
    }

    #[test]
    fn errors_below_nested_objects_report_the_whole_path() {
        let (bytes, ty) = nested("05", "a1 78");
        let e = decode_msgpack(&bytes, &ty).unwrap_err();
        assert_eq!(e.to_string(), "at .a[0].b: expected string, found integer");
        assert_eq!(
            e.path,
            vec![
                PathStep::Attr("a".into()),
                PathStep::Index(0),
                PathStep::Attr("b".into())
            ]
        );
        // An error after a nested object: that object's step is not left on the path.
        let (bytes, ty) = nested("a1 78", "05");
        let e = decode_msgpack(&bytes, &ty).unwrap_err();
        assert_eq!(e.path, vec![PathStep::Attr("c".into())]);
        // Unknown and duplicate names inside a nested object.
        let (bytes, ty) = nested("a1 78", "a1 78");
        let mut unknown = bytes.clone();
        unknown[6] = b'z';
        let e = decode_msgpack(&unknown, &ty).unwrap_err();
        assert_eq!(e.to_string(), "at .a[0]: unsupported attribute \"z\"");
        let ty = obj_ty(&[("b", CtyType::String), ("c", CtyType::String)]);
        let e = decode_msgpack(&hex("83 a1 62 a1 78 a1 63 a1 79 a1 62 a1 7a"), &ty).unwrap_err();
        assert_eq!(e.to_string(), "at .b: duplicate attribute");
    }

    #[test]
    fn object_attributes_decode_in_any_order() {
        // {"c": true, "a": "x", "b": 5}: go-cty writes them sorted, but nothing requires it.
        let v = decode_msgpack(&hex("83 a1 63 c3 a1 61 a1 78 a1 62 05"), &abc_type()).unwrap();
        assert_eq!(
            v,
            obj(&[("a", s("x")), ("b", int(5)), ("c", Value::Bool(true))])
        );
        let v = decode_msgpack(&hex("81 a1 63 c3"), &abc_type()).unwrap();
        assert_eq!(
            v,
            obj(&[
                ("a", Value::Null),
                ("b", Value::Null),
                ("c", Value::Bool(true))
            ])
        );
    }

    #[test]
    fn encode_errors_below_nested_objects_report_the_whole_path() {
        let ty = obj_ty(&[
            ("a", CtyType::list_of(obj_ty(&[("b", CtyType::String)]))),
            ("c", CtyType::String),
        ]);
        let v = obj(&[
            ("a", Value::List(vec![obj(&[("b", int(1))])])),
            ("c", s("x")),
        ]);
        let e = encode_msgpack(&v, &ty).unwrap_err();
        assert_eq!(e.to_string(), "at .a[0].b: expected string, found number");
        let v = obj(&[
            ("a", Value::List(vec![obj(&[("b", s("y"))])])),
            ("c", int(1)),
        ]);
        let e = encode_msgpack(&v, &ty).unwrap_err();
        assert_eq!(e.path, vec![PathStep::Attr("c".into())]);
        // The attribute the type lacks is reported before any nested error, at the object.
        let v = obj(&[("a", int(1)), ("b", s("x"))]);
        let e = encode_msgpack(&v, &ty).unwrap_err();
        assert_eq!(e.message, "unsupported attribute \"b\"");
        assert!(e.path.is_empty());
        // Attributes missing from the value are written as null, in the type's order.
        assert_eq!(
            enc(&obj(&[("c", s("x"))]), &ty),
            hex("82 a1 61 c0 a1 63 a1 78")
        );
    }

    #[test]
    fn encode_string_length_boundaries() {
        assert_eq!(enc(&s(""), &CtyType::String), hex("a0"));
        let a31 = "a".repeat(31);
        assert_eq!(enc(&s(&a31), &CtyType::String), hex_then("bf", &a31));
        let a32 = "a".repeat(32);
        assert_eq!(enc(&s(&a32), &CtyType::String), hex_then("d9 20", &a32));
        let a255 = "a".repeat(255);
        assert_eq!(enc(&s(&a255), &CtyType::String), hex_then("d9 ff", &a255));
        let a256 = "a".repeat(256);
        assert_eq!(
            enc(&s(&a256), &CtyType::String),
            hex_then("da 01 00", &a256)
        );
        let a65536 = "a".repeat(65536);
        assert_eq!(
            enc(&s(&a65536), &CtyType::String),
            hex_then("db 00 01 00 00", &a65536)
        );
    }

    #[test]
    fn encode_unknown_is_fixext1_type0() {
        assert_eq!(enc(&Value::Unknown, &CtyType::String), hex("d4 00 00"));
        assert_eq!(enc(&Value::Unknown, &abc_type()), hex("d4 00 00"));
        assert_eq!(enc(&Value::Unknown, &CtyType::Dynamic), hex("d4 00 00"));
        assert_eq!(
            enc(
                &Value::List(vec![Value::Unknown]),
                &CtyType::list_of(CtyType::Bool)
            ),
            hex("91 d4 00 00")
        );
    }

    #[test]
    fn encode_null_is_nil() {
        assert_eq!(enc(&Value::Null, &CtyType::Number), hex("c0"));
        assert_eq!(enc(&Value::Null, &CtyType::Dynamic), hex("c0"));
    }

    #[test]
    fn encode_int_uses_smallest_form_at_boundaries() {
        let cases: &[(i64, &str)] = &[
            (0, "00"),
            (127, "7f"),
            (128, "cc 80"),
            (255, "cc ff"),
            (256, "cd 01 00"),
            (65535, "cd ff ff"),
            (65536, "ce 00 01 00 00"),
            (4294967295, "ce ff ff ff ff"),
            (4294967296, "cf 00 00 00 01 00 00 00 00"),
            (i64::MAX, "cf 7f ff ff ff ff ff ff ff"),
            (-1, "ff"),
            (-32, "e0"),
            (-33, "d0 df"),
            (-128, "d0 80"),
            (-129, "d1 ff 7f"),
            (-32768, "d1 80 00"),
            (-32769, "d2 ff ff 7f ff"),
            (-2147483648, "d2 80 00 00 00"),
            (-2147483649, "d3 ff ff ff ff 7f ff ff ff"),
            (i64::MIN, "d3 80 00 00 00 00 00 00 00"),
        ];
        for (i, bytes) in cases {
            assert_eq!(enc(&int(*i), &CtyType::Number), hex(bytes), "{i}");
        }
    }

    #[test]
    fn encode_float_as_float64_unless_integral() {
        let f = |x: f64| enc(&Value::Number(Number::Float(x)), &CtyType::Number);
        assert_eq!(f(1.5), hex("cb 3f f8 00 00 00 00 00 00"));
        assert_eq!(f(3.0), hex("03"));
        assert_eq!(f(-0.0), hex("00"));
        assert_eq!(f(-40.0), hex("d0 d8"));
        // 2^63 is integral but outside i64: exponent 1023+63 = 0x43e
        assert_eq!(f(2f64.powi(63)), hex("cb 43 e0 00 00 00 00 00 00"));
        assert_eq!(f(f64::INFINITY), hex("cb 7f f0 00 00 00 00 00 00"));
        assert!(
            encode_msgpack(&Value::Number(Number::Float(f64::NAN)), &CtyType::Number)
                .unwrap_err()
                .message
                .contains("NaN")
        );
    }

    #[test]
    fn encode_decimal_as_int_when_exact_else_as_string() {
        let d =
            |x: &str| encode_msgpack(&Value::Number(Number::Decimal(x.into())), &CtyType::Number);
        assert_eq!(d("1e400").unwrap(), hex("a5 31 65 34 30 30"));
        assert_eq!(d("0.1").unwrap(), hex("a3 30 2e 31"));
        assert_eq!(d("42").unwrap(), hex("2a"));
        assert_eq!(d("4.20e1").unwrap(), hex("2a"));
        assert_eq!(
            d("-9223372036854775808").unwrap(),
            hex("d3 80 00 00 00 00 00 00 00")
        );
        assert_eq!(
            d("9223372036854775808").unwrap(),
            hex_then("b3", "9223372036854775808")
        );
        assert!(d("abc").is_err());
    }

    #[test]
    fn encode_collections() {
        let list = Value::List(vec![s("a"), Value::Null]);
        assert_eq!(
            enc(&list, &CtyType::list_of(CtyType::String)),
            hex("92 a1 61 c0")
        );
        // a set type accepts a list value; the wire form is the same
        assert_eq!(
            enc(&list, &CtyType::set_of(CtyType::String)),
            hex("92 a1 61 c0")
        );
        let map = Value::Map(BTreeMap::from([("b".into(), s("y")), ("a".into(), s("x"))]));
        assert_eq!(
            enc(&map, &CtyType::map_of(CtyType::String)),
            hex("82 a1 61 a1 78 a1 62 a1 79")
        );
        let tuple = Value::Tuple(vec![s("a"), Value::Bool(false)]);
        let tty = CtyType::Tuple(vec![CtyType::String, CtyType::Bool]);
        assert_eq!(enc(&tuple, &tty), hex("92 a1 61 c2"));
        assert!(encode_msgpack(&Value::Tuple(vec![s("a")]), &tty).is_err());
        // 16 elements needs array16
        let sixteen = Value::List(vec![Value::Bool(true); 16]);
        let mut want = hex("dc 00 10");
        want.extend([0xc3; 16]);
        assert_eq!(enc(&sixteen, &CtyType::list_of(CtyType::Bool)), want);
        assert_eq!(
            encode_msgpack(&s("x"), &CtyType::list_of(CtyType::String))
                .unwrap_err()
                .to_string(),
            "expected list of string, found string"
        );
    }

    #[test]
    fn encode_dynamic_writes_type_bin_then_value() {
        assert_eq!(
            enc(&s("hi"), &CtyType::Dynamic),
            hex("92 c4 08 22 73 74 72 69 6e 67 22 a2 68 69")
        );
        // ["\"bool\"", true] inside an object attribute typed dynamic
        let ty = obj_ty(&[("v", CtyType::Dynamic)]);
        assert_eq!(
            enc(&obj(&[("v", Value::Bool(true))]), &ty),
            hex("81 a1 76 92 c4 06 22 62 6f 6f 6c 22 c3")
        );
    }

    #[test]
    fn encode_dynamic_infers_a_unified_type_that_decodes_back() {
        let v = Value::List(vec![
            obj(&[("a", s("x")), ("b", Value::Null)]),
            obj(&[("b", int(1))]),
        ]);
        let bytes = enc(&v, &CtyType::Dynamic);
        // the type JSON is 47 (0x2f) bytes
        let mut want = hex_then(
            "92 c4 2f",
            r#"["list",["object",{"a":"string","b":"number"}]]"#,
        );
        want.extend(hex("92 82 a1 61 a1 78 a1 62 c0 82 a1 61 c0 a1 62 01"));
        assert_eq!(bytes, want);
        let back = decode_msgpack(&bytes, &CtyType::Dynamic).unwrap();
        assert_eq!(
            back,
            Value::List(vec![
                obj(&[("a", s("x")), ("b", Value::Null)]),
                obj(&[("a", Value::Null), ("b", int(1))]),
            ])
        );
        let mixed = Value::List(vec![s("x"), int(1)]);
        assert!(
            encode_msgpack(&mixed, &CtyType::Dynamic)
                .unwrap_err()
                .message
                .contains("different types")
        );
    }

    // ---- hostile input ----

    /// {"a": "xy", "d": ["\"number\"", 1.5 as float64], "l": [1, -1, 300], "m": {"k": true}, "u": refined unknown}
    fn complex_fixture() -> (Vec<u8>, CtyType) {
        let ty = obj_ty(&[
            ("a", CtyType::String),
            ("d", CtyType::Dynamic),
            ("l", CtyType::list_of(CtyType::Number)),
            ("m", CtyType::map_of(CtyType::Bool)),
            ("u", CtyType::String),
        ]);
        let bytes = hex("85
             a1 61 a2 78 79
             a1 64 92 c4 08 22 6e 75 6d 62 65 72 22 cb 3f f8 00 00 00 00 00 00
             a1 6c 93 01 ff cd 01 2c
             a1 6d 81 a1 6b c3
             a1 75 c7 03 0c 81 01 c2");
        (bytes, ty)
    }

    #[test]
    fn complex_fixture_decodes() {
        let (bytes, ty) = complex_fixture();
        let v = decode_msgpack(&bytes, &ty).unwrap();
        assert_eq!(
            v,
            obj(&[
                ("a", s("xy")),
                ("d", Value::Number(Number::Float(1.5))),
                ("l", Value::List(vec![int(1), int(-1), int(300)])),
                (
                    "m",
                    Value::Map(BTreeMap::from([("k".into(), Value::Bool(true))]))
                ),
                ("u", Value::Unknown),
            ])
        );
        assert!(v.contains_unknown());
    }

    #[test]
    fn every_truncated_prefix_is_an_error() {
        let (bytes, ty) = complex_fixture();
        for len in 0..bytes.len() {
            assert!(
                decode_msgpack(&bytes[..len], &ty).is_err(),
                "prefix {len} accepted"
            );
        }
    }

    #[test]
    fn every_single_byte_corruption_returns_without_panicking() {
        let (bytes, ty) = complex_fixture();
        for pos in 0..bytes.len() {
            for b in 0..=255u8 {
                let mut mutated = bytes.clone();
                mutated[pos] = b;
                let _ = decode_msgpack(&mutated, &ty);
                let _ = decode_msgpack(&mutated, &CtyType::Dynamic);
            }
        }
    }

    #[test]
    fn huge_claimed_lengths_fail_fast_without_allocating() {
        let list = CtyType::list_of(CtyType::Number);
        assert!(err_msg(decode_msgpack(&hex("dd ff ff ff ff"), &list)).contains("4294967295"));
        assert!(decode_msgpack(&hex("df ff ff ff ff"), &CtyType::map_of(CtyType::Number)).is_err());
        assert!(decode_msgpack(&hex("db ff ff ff ff"), &CtyType::String).is_err());
        assert!(decode_msgpack(&hex("c6 ff ff ff ff"), &CtyType::String).is_err());
        assert!(decode_msgpack(&hex("c9 ff ff ff ff 00"), &CtyType::String).is_err());
        // a plausible count whose elements then run out
        assert!(decode_msgpack(&hex("dc 00 03 01 02"), &list).is_err());
    }

    #[test]
    fn trailing_bytes_are_an_error() {
        assert_eq!(
            err_msg(decode_msgpack(&hex("a1 61 00"), &CtyType::String)),
            "1 trailing bytes after the value"
        );
        assert!(decode_msgpack(&hex("c0 c0"), &CtyType::String).is_err());
    }

    #[test]
    fn reserved_marker_and_empty_input_are_errors() {
        assert!(err_msg(decode_msgpack(&hex("c1"), &CtyType::String)).contains("0xc1"));
        assert_eq!(
            err_msg(decode_msgpack(&[], &CtyType::String)),
            "unexpected end of input"
        );
    }
}
