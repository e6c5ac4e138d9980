//! A GraphQL result written as JSON, byte for byte as serde_json writes it, in one pass
//! with no escaping where none is needed.
//!
//! serde_json looks up every byte of every string, keys included, in its escape table: a
//! parent's plan screen spent 52,000 instructions there, two thirds of writing its answer,
//! although response keys are GraphQL names and nearly all text is free of the bytes JSON
//! escapes (`"`, `\` and the control characters below 0x20). Here a string is first checked
//! for those bytes many at a time and, when it has none, copied as it is; one that has any,
//! and anything that is not plain JSON (bytes, a raw value), is left to serde_json.
use async_graphql::Value;

/// The key of the one-entry object that serde_json writes out as raw JSON (async-graphql's
/// `raw_value` feature): left to async-graphql's own serialisation.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// Appends `value` to `out` as JSON.
pub fn write(out: &mut Vec<u8>, value: &Value) -> serde_json::Result<()> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Boolean(true) => out.extend_from_slice(b"true"),
        Value::Boolean(false) => out.extend_from_slice(b"false"),
        Value::Number(number) => serde_json::to_writer(&mut *out, number)?,
        Value::String(text) => write_str(out, text)?,
        Value::Enum(name) => write_str(out, name)?,
        Value::List(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(out, item)?;
            }
            out.push(b']');
        }
        Value::Object(fields) if fields.len() == 1 && fields.contains_key(RAW_VALUE_TOKEN) => {
            serde_json::to_writer(&mut *out, value)?;
        }
        Value::Object(fields) => {
            out.push(b'{');
            for (i, (key, field)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(out, key)?;
                out.push(b':');
                write(out, field)?;
            }
            out.push(b'}');
        }
        Value::Binary(_) => serde_json::to_writer(&mut *out, value)?,
    }
    Ok(())
}

fn write_str(out: &mut Vec<u8>, text: &str) -> serde_json::Result<()> {
    if needs_escaping(text.as_bytes()) {
        return serde_json::to_writer(&mut *out, text);
    }
    out.reserve(text.len() + 2);
    out.push(b'"');
    out.extend_from_slice(text.as_bytes());
    out.push(b'"');
    Ok(())
}

/// Whether `bytes` hold a byte JSON escapes. Checked without stopping early, a block at a
/// time, so that the compiler compares many bytes in one instruction.
fn needs_escaping(bytes: &[u8]) -> bool {
    const BLOCK: usize = 32;
    let escaped = |b: u8| (b < 0x20) | (b == b'"') | (b == b'\\');
    let mut blocks = bytes.chunks_exact(BLOCK);
    for block in &mut blocks {
        if block.iter().fold(false, |any, &b| any | escaped(b)) {
            return true;
        }
    }
    blocks.remainder().iter().any(|&b| escaped(b))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use async_graphql::indexmap::IndexMap;
    use async_graphql::{Name, Number};
    use proptest::prelude::*;

    fn written(value: &Value) -> String {
        let mut out = vec![];
        write(&mut out, value).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn by_serde(value: &Value) -> String {
        serde_json::to_string(value).unwrap()
    }

    /// Text with what JSON escapes (quotes, backslashes, every control character), what it
    /// does not (`/`, DEL, non-ASCII), and lengths across the 32-byte blocks.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Z0-9 _]{0,80}",
            "[a-z\"\\\\/\u{7f}é€😀 ]{0,70}",
            proptest::collection::vec(any::<char>(), 0..80)
                .prop_map(|chars| chars.into_iter().collect()),
            // ASCII, a third of it around and below the space.
            proptest::collection::vec(prop_oneof![0u8..0x23, Just(b'\\'), 0x20u8..0x7f], 0..100)
                .prop_map(|bytes| bytes.into_iter().map(char::from).collect()),
        ]
    }

    fn number() -> impl Strategy<Value = Number> {
        prop_oneof![
            any::<i64>().prop_map(Number::from),
            any::<u64>().prop_map(Number::from),
            any::<f64>().prop_filter_map("finite", Number::from_f64),
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Boolean),
            number().prop_map(Value::Number),
            text().prop_map(Value::String),
            "[A-Z_][A-Z0-9_]{0,12}".prop_map(|n| Value::Enum(Name::new(n))),
            proptest::collection::vec(any::<u8>(), 0..8).prop_map(|b| Value::Binary(b.into())),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::List),
                proptest::collection::vec((text(), inner), 0..8).prop_map(|fields| {
                    Value::Object(
                        fields
                            .into_iter()
                            .map(|(k, v)| (Name::new(k), v))
                            .collect::<IndexMap<_, _>>(),
                    )
                }),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn writes_what_serde_json_writes(value in value()) {
            prop_assert_eq!(written(&value), by_serde(&value));
        }
    }

    #[test]
    fn escapes_what_json_escapes_wherever_it_is_in_the_text() {
        for escaped in ['"', '\\', '\n', '\u{0}', '\u{1f}'] {
            for at in [0, 5, 31, 32, 33, 63, 64, 70] {
                let mut text = "a".repeat(71);
                text.replace_range(at..=at, &escaped.to_string());
                let value = Value::Object(
                    [(Name::new(&text), Value::String(text.clone()))]
                        .into_iter()
                        .collect(),
                );
                assert_eq!(written(&value), by_serde(&value), "{escaped:?} at {at}");
                assert!(written(&value).contains('\\'), "{escaped:?} at {at}");
            }
        }
    }

    #[test]
    fn a_screen_shaped_answer_is_unchanged() {
        let value: Value = serde_json::from_str(
            r#"{"node":{"plan":{"id":"UGxhbjox","version":3,"outcomes":{"nodes":[
                {"words":"Sam gets to school on time \"most\" days","status":"AGREED",
                 "progress":{"gap":null,"largeGap":false,"family":{"score":7}}}]}}}}"#,
        )
        .unwrap();
        assert_eq!(written(&value), by_serde(&value));
    }
}
