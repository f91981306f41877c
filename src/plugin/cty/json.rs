//! The JSON form of cty values, which Terraform may send instead of msgpack: decoding only.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::{
    CtyError, CtyType, MAX_DEPTH, Number, PathStep, Value, index_step, parse_decimal,
    type_from_json,
};

pub(super) struct JsonDecoder {
    pub(super) path: Vec<PathStep>,
    pub(super) depth: usize,
}

fn json_kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "boolean",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    }
}

impl JsonDecoder {
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

    pub(super) fn value(&mut self, v: &Json, ty: &CtyType) -> Result<Value, CtyError> {
        match (ty, v) {
            (_, Json::Null) => Ok(Value::Null),
            (CtyType::String, Json::String(s)) => Ok(Value::String(s.clone())),
            // go-cty's JSON decoder converts primitives like this, and older
            // state written through it may rely on that.
            (CtyType::String, Json::Number(n)) => Ok(Value::String(n.to_string())),
            (CtyType::String, Json::Bool(b)) => Ok(Value::String(b.to_string())),
            (CtyType::Bool, Json::Bool(b)) => Ok(Value::Bool(*b)),
            (CtyType::Bool, Json::String(s)) if s == "true" || s == "false" => {
                Ok(Value::Bool(s == "true"))
            }
            (CtyType::Number, Json::Number(n)) => {
                // Without serde_json's arbitrary_precision the original text of
                // a non-integer is gone, so floats are the best we can keep.
                let num = if let Some(i) = n.as_i64() {
                    Number::Int(i)
                } else if n.as_u64().is_some() {
                    Number::Decimal(n.to_string())
                } else if let Some(f) = n.as_f64() {
                    Number::Float(f)
                } else {
                    return Err(self.error(format!("unrepresentable number {n}")));
                };
                Ok(Value::Number(num))
            }
            (CtyType::Number, Json::String(s)) => {
                if parse_decimal(s).is_none() {
                    return Err(self.error(format!("{s:?} is not a number")));
                }
                Ok(Value::Number(Number::Decimal(s.clone())))
            }
            (CtyType::Dynamic, Json::Object(m)) => {
                if let Some(extra) = m.keys().find(|k| *k != "type" && *k != "value") {
                    return Err(self.error(format!(
                        "dynamic value has unexpected key {extra:?}; expected \"type\" and \"value\""
                    )));
                }
                let (Some(t), Some(inner)) = (m.get("type"), m.get("value")) else {
                    return Err(self.error("dynamic value needs both \"type\" and \"value\""));
                };
                let inner_ty = type_from_json(t, 0)
                    .map_err(|m| self.error(format!("dynamic value type: {m}")))?;
                self.enter()?;
                let out = self.value(inner, &inner_ty)?;
                self.depth -= 1;
                Ok(out)
            }
            (CtyType::List(et), Json::Array(items)) => Ok(Value::List(self.sequence(items, et)?)),
            (CtyType::Set(et), Json::Array(items)) => Ok(Value::Set(self.sequence(items, et)?)),
            (CtyType::Tuple(ts), Json::Array(items)) => {
                if items.len() != ts.len() {
                    return Err(self.error(format!(
                        "expected tuple of {} elements, found {}",
                        ts.len(),
                        items.len()
                    )));
                }
                self.enter()?;
                let mut out = Vec::with_capacity(items.len());
                for (i, (item, et)) in items.iter().zip(ts).enumerate() {
                    self.path.push(index_step(i));
                    out.push(self.value(item, et)?);
                    self.path.pop();
                }
                self.depth -= 1;
                Ok(Value::Tuple(out))
            }
            (CtyType::Map(et), Json::Object(m)) => {
                self.enter()?;
                let mut out = BTreeMap::new();
                for (k, item) in m {
                    self.path.push(PathStep::Key(k.clone()));
                    out.insert(k.clone(), self.value(item, et)?);
                    self.path.pop();
                }
                self.depth -= 1;
                Ok(Value::Map(out))
            }
            (CtyType::Object(attrs), Json::Object(m)) => {
                self.enter()?;
                let mut out = BTreeMap::new();
                for (k, item) in m {
                    let Some(aty) = attrs.get(k) else {
                        return Err(self.error(format!("unsupported attribute {k:?}")));
                    };
                    self.path.push(PathStep::Attr(k.clone()));
                    out.insert(k.clone(), self.value(item, aty)?);
                    self.path.pop();
                }
                for name in attrs.keys() {
                    out.entry(name.clone()).or_insert(Value::Null);
                }
                self.depth -= 1;
                Ok(Value::Object(out))
            }
            (ty, v) => Err(self.error(format!(
                "expected {}, found {}",
                ty.describe(),
                json_kind(v)
            ))),
        }
    }

    fn sequence(&mut self, items: &[Json], et: &CtyType) -> Result<Vec<Value>, CtyError> {
        self.enter()?;
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            self.path.push(index_step(i));
            out.push(self.value(item, et)?);
            self.path.pop();
        }
        self.depth -= 1;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::super::decode_json;
    use super::super::test_support::*;
    use super::*;

    #[test]
    fn json_object_with_null_and_missing_attributes() {
        let v = decode_json(br#"{"a":"x","b":null}"#, &abc_type()).unwrap();
        assert_eq!(
            v,
            obj(&[("a", s("x")), ("b", Value::Null), ("c", Value::Null)])
        );
        assert_eq!(
            err_msg(decode_json(br#"{"a":"x","zz":1}"#, &abc_type())),
            "unsupported attribute \"zz\""
        );
        let ty = obj_ty(&[("scopes", CtyType::list_of(CtyType::String))]);
        assert_eq!(
            err_msg(decode_json(br#"{"scopes":["a",[]]}"#, &ty)),
            "at .scopes[1]: expected string, found array"
        );
    }

    #[test]
    fn json_numbers_keep_int_then_decimal_then_float() {
        let n = |text: &[u8]| decode_json(text, &CtyType::Number).unwrap();
        assert_eq!(n(b"5"), int(5));
        assert_eq!(n(b"-9223372036854775808"), int(i64::MIN));
        assert_eq!(
            n(b"18446744073709551615"),
            Value::Number(Number::Decimal("18446744073709551615".into()))
        );
        assert_eq!(n(b"1.5"), Value::Number(Number::Float(1.5)));
        assert_eq!(n(br#""1.5""#), Value::Number(Number::Decimal("1.5".into())));
        assert!(decode_json(br#""abc""#, &CtyType::Number).is_err());
    }

    #[test]
    fn json_collections_tuple_map_and_dynamic() {
        assert_eq!(
            decode_json(br#"["a","b"]"#, &CtyType::set_of(CtyType::String)),
            Ok(Value::Set(vec![s("a"), s("b")]))
        );
        assert_eq!(
            decode_json(br#"{"k":true}"#, &CtyType::map_of(CtyType::Bool)),
            Ok(Value::Map(BTreeMap::from([(
                "k".into(),
                Value::Bool(true)
            )])))
        );
        let tty = CtyType::Tuple(vec![CtyType::String, CtyType::Number]);
        assert_eq!(
            decode_json(br#"["a",1]"#, &tty),
            Ok(Value::Tuple(vec![s("a"), int(1)]))
        );
        assert!(decode_json(br#"["a"]"#, &tty).is_err());
        assert_eq!(
            decode_json(br#"{"type":"string","value":"hi"}"#, &CtyType::Dynamic),
            Ok(s("hi"))
        );
        assert_eq!(
            decode_json(
                br#"{"type":["list","number"],"value":[1]}"#,
                &CtyType::Dynamic
            ),
            Ok(Value::List(vec![int(1)]))
        );
        assert!(decode_json(br#"{"type":"string"}"#, &CtyType::Dynamic).is_err());
        assert!(decode_json(br#"{"type":"string","value":"x","z":1}"#, &CtyType::Dynamic).is_err());
        assert!(decode_json(br#""hi""#, &CtyType::Dynamic).is_err());
    }

    #[test]
    fn json_converts_primitives_like_go_cty() {
        assert_eq!(decode_json(b"12", &CtyType::String), Ok(s("12")));
        assert_eq!(decode_json(b"true", &CtyType::String), Ok(s("true")));
        assert_eq!(
            decode_json(br#""false""#, &CtyType::Bool),
            Ok(Value::Bool(false))
        );
        assert!(decode_json(br#""yes""#, &CtyType::Bool).is_err());
    }

    #[test]
    fn json_rejects_malformed_and_trailing_input() {
        assert!(err_msg(decode_json(b"{", &abc_type())).contains("invalid JSON"));
        assert!(decode_json(b"\"x\" 1", &CtyType::String).is_err());
    }
}
