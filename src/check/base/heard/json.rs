//! A JSON document from outside (an answer's body, a JWT's claims), read without trusting it: its strings come
//! out only as [`Heard`], and every string in it (keys included) is wiped when the document is dropped, since
//! a token answer holds the token.

use serde_json::Value;
use zeroize::Zeroize;

use crate::check::base::heard::text::Heard;

/// A parsed JSON document from outside.
pub struct Json(Value);

impl From<Value> for Json {
    fn from(value: Value) -> Json {
        Json(value)
    }
}

impl Json {
    /// Parses any JSON value; `None` when the bytes are not JSON.
    pub fn parse(bytes: &[u8]) -> Option<Json> {
        serde_json::from_slice(bytes).ok().map(Json)
    }

    /// The whole document, to read from.
    pub fn root(&self) -> JsonRef<'_> {
        JsonRef(&self.0)
    }

    /// A member of the top-level object.
    pub fn get(&self, key: &str) -> Option<JsonRef<'_>> {
        self.root().get(key)
    }

    /// A string member of the top-level object.
    pub fn text(&self, key: &str) -> Option<Heard> {
        self.root().get(key)?.text()
    }

    /// True when the document is an object.
    pub fn is_object(&self) -> bool {
        self.0.is_object()
    }
}

/// Overwrites every string (and object key) of a value before it is freed.
fn wipe_value(value: &mut Value) {
    match value {
        Value::String(text) => text.zeroize(),
        Value::Array(items) => items.iter_mut().for_each(wipe_value),
        Value::Object(map) => {
            for (mut key, mut member) in std::mem::take(map) {
                key.zeroize();
                wipe_value(&mut member);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

impl Drop for Json {
    fn drop(&mut self) {
        wipe_value(&mut self.0);
    }
}

impl std::fmt::Debug for Json {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Json(..)")
    }
}

/// One value inside a [`Json`] document.
#[derive(Clone, Copy)]
pub struct JsonRef<'a>(&'a Value);

impl<'a> JsonRef<'a> {
    /// A member, when this is an object that has it.
    pub fn get(self, key: &str) -> Option<JsonRef<'a>> {
        self.0.get(key).map(JsonRef)
    }

    /// The string, when this is one.
    pub fn text(self) -> Option<Heard> {
        self.0.as_str().map(Heard::new)
    }

    /// A string member.
    pub fn field(self, key: &str) -> Option<Heard> {
        self.get(key)?.text()
    }

    /// A string, number or boolean as the text it says (some servers send `"3600"`, others `3600`).
    pub fn scalar(self) -> Option<Heard> {
        match self.0 {
            Value::String(text) => Some(Heard::new(text.clone())),
            Value::Number(number) => Some(Heard::new(number.to_string())),
            Value::Bool(flag) => Some(Heard::new(flag.to_string())),
            _ => None,
        }
    }

    /// The strings of an array (other members skipped); empty when this is not an array.
    pub fn texts(self) -> Vec<Heard> {
        self.items().filter_map(JsonRef::text).collect()
    }

    /// The members of an array; none when this is not an array.
    pub fn items(self) -> impl Iterator<Item = JsonRef<'a>> {
        self.0.as_array().into_iter().flatten().map(JsonRef)
    }

    /// The length of an array.
    pub fn len(self) -> Option<usize> {
        self.0.as_array().map(Vec::len)
    }

    /// True for an array without members.
    pub fn is_empty(self) -> bool {
        self.len() == Some(0)
    }

    /// The keys of an object, in the document's order; each still server text.
    pub fn keys(self) -> Vec<Heard> {
        self.0
            .as_object()
            .map(|map| map.keys().map(|key| Heard::new(key.clone())).collect())
            .unwrap_or_default()
    }

    /// The whole number, when this is one.
    pub fn as_i64(self) -> Option<i64> {
        self.0.as_i64()
    }

    /// The boolean, when this is one.
    pub fn as_bool(self) -> Option<bool> {
        self.0.as_bool()
    }

    /// True when this is an object.
    pub fn is_object(self) -> bool {
        self.0.is_object()
    }

    /// True when this is an array.
    pub fn is_array(self) -> bool {
        self.0.is_array()
    }

    /// True when this is a string.
    pub fn is_text(self) -> bool {
        self.0.is_string()
    }
}

impl std::fmt::Debug for JsonRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JsonRef(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_come_out_as_heard_and_numbers_as_numbers() {
        let json = Json::parse(br#"{"a":"x","n":3,"l":["p",1,"q"],"o":{"k":true}}"#).expect("json");
        assert!(json.text("a").is_some_and(|a| a.is("x")));
        assert_eq!(json.get("n").and_then(JsonRef::as_i64), Some(3));
        assert!(
            json.get("n")
                .and_then(JsonRef::scalar)
                .is_some_and(|n| n.is("3"))
        );
        assert_eq!(json.get("l").map(JsonRef::texts).map(|t| t.len()), Some(2));
        assert_eq!(
            json.get("o")
                .and_then(|o| o.get("k"))
                .and_then(JsonRef::as_bool),
            Some(true)
        );
        assert_eq!(json.root().keys().len(), 4);
        assert!(Json::parse(b"not json").is_none());
    }

    #[test]
    fn dropping_a_document_overwrites_its_strings_and_keys() {
        let watch =
            crate::wiped::Watch::new(&[b"wipe-check-json-token-1", b"wipe-check-json-key-002"]);
        let json = Json::parse(
            br#"{"access_token":"wipe-check-json-token-1","nested":[{"wipe-check-json-key-002":"v"}]}"#,
        )
        .expect("json");
        assert!(json.text("access_token").is_some());
        drop(json);
        assert_eq!(watch.leaks(), 0);
    }
}
