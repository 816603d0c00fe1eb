//! A serde serializer that writes what `serde_json::to_string_pretty` writes, byte for
//! byte (2-space indent, `": "` after keys, `[]` and `{}` when empty, serde_json's
//! escapes), into a `Vec<u8>`.
//!
//! Why not serde_json's own serializer: it looks at every byte of every string through
//! its escape table, one at a time, and the fleet's files are 340 KB of mostly strings
//! that need no escape at all (names, ARNs, descriptions): that loop was two thirds of
//! its time writing strings. Here a string is checked 8 bytes at a time (as one 64-bit
//! word) and copied in one piece when nothing in it needs escaping, which is nearly
//! always; a line break and its indentation are one piece too. Integers are written in
//! decimal, as serde_json writes them; floats (templates have next to none) by
//! serde_json itself.

use serde::ser::{self, Serialize};
use std::fmt;

/// Serialises `value` as pretty JSON into `out`.
pub fn write<T: Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) -> Result<(), Error> {
    let mut w = Writer {
        out: std::mem::take(out),
        depth: 0,
    };
    let written = value.serialize(&mut w);
    *out = w.out;
    written
}

/// Why a value could not be written: a map key that is not a string (or a number or
/// a Boolean, written as strings as serde_json does), or a custom error from a
/// `Serialize` implementation.
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Error {
        Error(msg.to_string())
    }
}

struct Writer {
    out: Vec<u8>,
    /// How many arrays and objects are open.
    depth: usize,
}

/// A line break followed by enough indentation for 64 levels.
const BREAK: [u8; 129] = {
    let mut b = [b' '; 129];
    b[0] = b'\n';
    b
};

impl Writer {
    /// A line break and the current indentation.
    fn line(&mut self) {
        let width = 1 + 2 * self.depth;
        match BREAK.get(..width) {
            Some(piece) => self.out.extend_from_slice(piece),
            None => {
                self.out.push(b'\n');
                self.out.resize(self.out.len() + 2 * self.depth, b' ');
            }
        }
    }

    /// Closes an array or object: a line break before the bracket unless it was empty.
    fn close(&mut self, empty: bool, bracket: u8) {
        self.depth -= 1;
        if !empty {
            self.line();
        }
        self.out.push(bracket);
    }

    fn open(&mut self, bracket: u8) -> Compound<'_> {
        self.out.push(bracket);
        self.depth += 1;
        Compound {
            w: self,
            first: true,
        }
    }

    /// `{"variant": ` of an externally tagged enum variant with data.
    fn open_variant(&mut self, variant: &str) -> Compound<'_> {
        let mut c = self.open(b'{');
        c.item();
        string(&mut c.w.out, variant);
        c.w.out.extend_from_slice(b": ");
        c
    }

    /// An integer, in decimal as serde_json writes it.
    fn number(&mut self, n: impl fmt::Display) -> Result<(), Error> {
        use std::io::Write as _;
        // Writing into a `Vec` cannot fail.
        let _ = write!(self.out, "{n}");
        Ok(())
    }

    /// A float, as serde_json writes it (its shortest form for the float's own width,
    /// `null` when not finite); templates have next to none, so serde_json writes it.
    fn float<F: Serialize>(&mut self, v: F) -> Result<(), Error> {
        let text = serde_json::to_string(&v).map_err(|e| Error(e.to_string()))?;
        self.out.extend_from_slice(text.as_bytes());
        Ok(())
    }
}

/// Writes `s` as a JSON string, with serde_json's escapes.
fn string(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut rest = bytes;
    while let Some(at) = first_escape(rest) {
        out.extend_from_slice(&rest[..at]);
        escape(out, rest[at]);
        rest = &rest[at + 1..];
    }
    out.extend_from_slice(rest);
    out.push(b'"');
}

/// Whether JSON needs `b` escaped in a string: a control character, `"` or `\`.
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// `0x0101...01`: a byte's value times this is that byte in each of a word's 8 bytes.
const ONES: u64 = u64::MAX / 255;
/// The high bit of each byte.
const HIGHS: u64 = ONES * 0x80;

/// Whether any of the 8 bytes of `word` needs escaping, tested on all 8 at once: a byte
/// under `n` (at most 0x80) borrows into its high bit when `n` is subtracted, and
/// its own high bit is clear. Exact for "any" (a byte at or over `n` never borrows,
/// and one of 0x80 or more is masked out), which is all this needs.
fn word_needs_escape(word: u64) -> bool {
    let under = |v: u64, n: u8| v.wrapping_sub(ONES * u64::from(n)) & !v & HIGHS;
    let quote = word ^ (ONES * u64::from(b'"'));
    let backslash = word ^ (ONES * u64::from(b'\\'));
    under(word, 0x20) | under(quote, 1) | under(backslash, 1) != 0
}

/// The 8 bytes at `at` as a word.
fn word_at(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

/// Where the first byte of `bytes` that needs escaping is: 8 bytes at a time, the
/// last 8 overlapping the ones before when the length is not a multiple of 8; a
/// string shorter than that byte by byte.
fn first_escape(bytes: &[u8]) -> Option<usize> {
    let scan = |from: usize| {
        let rest = bytes.get(from..)?;
        rest.iter().position(|&b| needs_escape(b)).map(|i| from + i)
    };
    let Some(last) = bytes.len().checked_sub(8) else {
        return scan(0);
    };
    let mut at = 0;
    while at < last {
        if word_needs_escape(word_at(bytes, at)?) {
            return scan(at);
        }
        at += 8;
    }
    // Everything before `last` is clean, so a byte found from there is the first.
    if word_needs_escape(word_at(bytes, last)?) {
        return scan(last);
    }
    None
}

/// serde_json's escape of `b`: a short one where JSON has it, else `\u00XX`.
fn escape(out: &mut Vec<u8>, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let short = match b {
        b'"' => b'"',
        b'\\' => b'\\',
        0x08 => b'b',
        0x09 => b't',
        0x0a => b'n',
        0x0c => b'f',
        0x0d => b'r',
        _ => {
            let code = [
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ];
            out.extend_from_slice(&code);
            return;
        }
    };
    out.extend_from_slice(&[b'\\', short]);
}

/// An open array or object (or the object around an enum variant's data).
struct Compound<'w> {
    w: &'w mut Writer,
    first: bool,
}

impl Compound<'_> {
    /// Before an element or a key: the comma after the previous one, a line break.
    fn item(&mut self) {
        if !self.first {
            self.w.out.push(b',');
        }
        self.first = false;
        self.w.line();
    }

    fn close(self, bracket: u8) {
        self.w.close(self.first, bracket);
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.item();
        value.serialize(&mut *self.w)
    }

    fn entry<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        self.item();
        string(&mut self.w.out, key);
        self.w.out.extend_from_slice(b": ");
        value.serialize(&mut *self.w)
    }

    /// Closes the variant's data, then the object around it.
    fn close_variant(self, bracket: u8) {
        self.w.close(self.first, bracket);
        self.w.close(false, b'}');
    }
}

/// The `serialize_*` methods of the integer types, each passing its value on to
/// `self.$write` (a method taking any `Display`; `self` is passed in, as a macro
/// cannot name it by itself).
macro_rules! integers {
    ($self:ident . $write:ident) => {
        integers!(@each $self $write: serialize_i8 i8, serialize_i16 i16, serialize_i32 i32,
            serialize_i64 i64, serialize_i128 i128, serialize_u8 u8, serialize_u16 u16,
            serialize_u32 u32, serialize_u64 u64, serialize_u128 u128);
    };
    (@each $self:ident $write:ident: $($method:ident $t:ty),*) => {$(
        fn $method($self, v: $t) -> Result<(), Error> {
            $self.$write(v)
        }
    )*};
}

/// The traits of arrays (and of a tuple variant's array) for [`Compound`]: each
/// element after a comma and a line break, then `$close`.
macro_rules! elements {
    ($($tr:ident :: $method:ident => $close:ident($bracket:literal)),* $(,)?) => {$(
        impl ser::$tr for Compound<'_> {
            type Ok = ();
            type Error = Error;

            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.element(value)
            }

            fn end(self) -> Result<(), Error> {
                self.$close($bracket);
                Ok(())
            }
        }
    )*};
}

/// The traits of structs (and of a struct variant's object) for [`Compound`].
macro_rules! fields {
    ($($tr:ident => $close:ident($bracket:literal)),* $(,)?) => {$(
        impl ser::$tr for Compound<'_> {
            type Ok = ();
            type Error = Error;

            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                self.entry(key, value)
            }

            fn end(self) -> Result<(), Error> {
                self.$close($bracket);
                Ok(())
            }
        }
    )*};
}

impl<'w> ser::Serializer for &'w mut Writer {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'w>;
    type SerializeTuple = Compound<'w>;
    type SerializeTupleStruct = Compound<'w>;
    type SerializeTupleVariant = Compound<'w>;
    type SerializeMap = Compound<'w>;
    type SerializeStruct = Compound<'w>;
    type SerializeStructVariant = Compound<'w>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }

    integers!(self.number);

    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.float(v)
    }

    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.float(v)
    }

    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        string(&mut self.out, v);
        Ok(())
    }

    /// As serde_json: an array of the bytes' values.
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        use ser::SerializeSeq as _;
        let mut seq = self.open(b'[');
        for b in v {
            seq.serialize_element(b)?;
        }
        seq.end()
    }

    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let mut c = self.open(b'{');
        c.entry(variant, value)?;
        c.close(b'}');
        Ok(())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'w>, Error> {
        Ok(self.open(b'['))
    }

    fn serialize_tuple(self, _len: usize) -> Result<Compound<'w>, Error> {
        Ok(self.open(b'['))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Compound<'w>, Error> {
        Ok(self.open(b'['))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'w>, Error> {
        let outer = self.open_variant(variant);
        outer.w.out.push(b'[');
        outer.w.depth += 1;
        Ok(Compound {
            w: outer.w,
            first: true,
        })
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'w>, Error> {
        Ok(self.open(b'{'))
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Compound<'w>, Error> {
        Ok(self.open(b'{'))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'w>, Error> {
        let outer = self.open_variant(variant);
        outer.w.out.push(b'{');
        outer.w.depth += 1;
        Ok(Compound {
            w: outer.w,
            first: true,
        })
    }
}

elements! {
    SerializeSeq::serialize_element => close(b']'),
    SerializeTuple::serialize_element => close(b']'),
    SerializeTupleStruct::serialize_field => close(b']'),
    SerializeTupleVariant::serialize_field => close_variant(b']'),
}

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.item();
        key.serialize(KeyWriter(&mut self.w.out))
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.w.out.extend_from_slice(b": ");
        value.serialize(&mut *self.w)
    }

    fn end(self) -> Result<(), Error> {
        self.close(b'}');
        Ok(())
    }
}

fields! {
    SerializeStruct => close(b'}'),
    SerializeStructVariant => close_variant(b'}'),
}

/// Writes a map key: a string as it is; numbers, Booleans and characters as strings
/// (as serde_json does); anything else is an error.
struct KeyWriter<'o>(&'o mut Vec<u8>);

impl KeyWriter<'_> {
    fn quoted(self, n: impl fmt::Display) -> Result<(), Error> {
        string(self.0, &n.to_string());
        Ok(())
    }

    /// A finite float as serde_json writes it, quoted; others are an error.
    fn float<F: Serialize>(self, v: F, finite: bool) -> Result<(), Error> {
        if !finite {
            return Err(Error("float key must be finite (got NaN or +/-inf)".into()));
        }
        let text = serde_json::to_string(&v).map_err(|e| Error(e.to_string()))?;
        string(self.0, &text);
        Ok(())
    }
}

fn key_must_be_a_string() -> Error {
    Error("key must be a string".into())
}

impl ser::Serializer for KeyWriter<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        string(self.0, v);
        Ok(())
    }

    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.quoted(v)
    }

    integers!(self.quoted);

    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.float(v, v.is_finite())
    }

    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.float(v, v.is_finite())
    }

    fn serialize_bytes(self, _v: &[u8]) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_none(self) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_unit(self) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(key_must_be_a_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn ours<T: Serialize + ?Sized>(v: &T) -> String {
        let mut out = Vec::new();
        write(v, &mut out).expect("writes");
        String::from_utf8(out).expect("UTF-8")
    }

    fn theirs<T: Serialize + ?Sized>(v: &T) -> String {
        serde_json::to_string_pretty(v).expect("serialises")
    }

    #[test]
    fn values_are_written_as_serde_json_writes_them() {
        let mut deep = serde_json::json!("leaf");
        for i in 0..70 {
            deep = serde_json::json!({ "k": [deep, i, [], {}], "e": {} });
        }
        let samples = [
            serde_json::json!(null),
            serde_json::json!([]),
            serde_json::json!({}),
            serde_json::json!([true, false, -7, 18446744073709551615_u64, 1.5, -0.0, 1e300]),
            serde_json::json!({ "a": [1, 2, { "b": "c\n\"d" }], "e": { "f": [] }, "g": {} }),
            deep,
        ];
        for v in samples {
            assert_eq!(ours(&v), theirs(&v));
        }
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        // Every byte that may need an escape, at every position around the 16-byte
        // chunks, among text that needs none (and non-ASCII text, which is kept).
        let specials = [
            "\"", "\\", "\n", "\t", "\r", "\u{8}", "\u{c}", "\0", "\u{1f}", "\u{7f}", "é", "€", "𝄞",
        ];
        for special in specials {
            for before in 0..40 {
                for after in [0, 1, 15, 16, 17] {
                    let s = format!("{}{special}{}", "a".repeat(before), "b/".repeat(after));
                    assert_eq!(ours(&s), theirs(&s), "{s:?}");
                }
            }
        }
        let all: String = (0..=0x7f_u8).map(char::from).collect();
        assert_eq!(ours(&all), theirs(&all));
        assert_eq!(ours(""), theirs(""));
    }

    #[test]
    fn a_word_needs_escaping_exactly_when_one_of_its_bytes_does() {
        for filler in [
            b'a',
            b' ',
            b'~',
            0x7f,
            0x80,
            0xa0,
            0xff,
            b'"' + 1,
            b'\\' - 1,
        ] {
            for b in 0..=255_u8 {
                for at in 0..8 {
                    let mut bytes = [filler; 8];
                    bytes[at] = b;
                    let word = u64::from_le_bytes(bytes);
                    assert_eq!(
                        word_needs_escape(word),
                        bytes.iter().any(|&x| needs_escape(x)),
                        "{bytes:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn derived_types_are_written_as_serde_json_writes_them() {
        #[derive(serde::Serialize)]
        enum Kind {
            Unit,
            Newtype(u8),
            Tuple(u8, &'static str),
            Struct { a: Option<u8>, b: Vec<u8> },
        }
        #[derive(serde::Serialize)]
        struct Doc {
            kinds: Vec<Kind>,
            #[serde(skip_serializing_if = "Option::is_none")]
            skipped: Option<u8>,
            none: Option<u8>,
            unit: (),
            tuple: (u8, char),
            floats: (f32, f64, f64, f32),
            float_keys: FloatKeys,
            bytes: serde_bytes_like::Bytes,
            by_number: BTreeMap<i32, bool>,
            by_bool: BTreeMap<bool, u8>,
            empty: BTreeMap<String, u8>,
        }
        struct FloatKeys;
        impl Serialize for FloatKeys {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry(&1.5_f64, &1)?;
                m.serialize_entry(&0.1_f32, &2)?;
                m.end()
            }
        }
        mod serde_bytes_like {
            pub struct Bytes(pub &'static [u8]);
            impl serde::Serialize for Bytes {
                fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    s.serialize_bytes(self.0)
                }
            }
        }
        let doc = Doc {
            kinds: vec![
                Kind::Unit,
                Kind::Newtype(1),
                Kind::Tuple(2, "x"),
                Kind::Struct {
                    a: None,
                    b: vec![3, 4],
                },
                Kind::Struct {
                    a: Some(5),
                    b: vec![],
                },
            ],
            skipped: None,
            none: None,
            unit: (),
            tuple: (6, 'z'),
            floats: (0.1, f64::NAN, 2.5, f32::INFINITY),
            float_keys: FloatKeys,
            bytes: serde_bytes_like::Bytes(&[7, 8]),
            by_number: [(-1, true), (2, false)].into_iter().collect(),
            by_bool: [(true, 9)].into_iter().collect(),
            empty: BTreeMap::new(),
        };
        assert_eq!(ours(&doc), theirs(&doc));
    }

    #[test]
    fn a_key_that_is_not_a_string_is_an_error() {
        let m: BTreeMap<Vec<u8>, u8> = [(vec![1], 2)].into_iter().collect();
        assert!(serde_json::to_string_pretty(&m).is_err());
        let mut out = Vec::new();
        assert!(write(&m, &mut out).is_err());
    }
}
