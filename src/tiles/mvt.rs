//! Mapbox Vector Tile 2.1 (<https://github.com/mapbox/vector-tile-spec/tree/master/2.1>): a
//! hand-written protobuf encoder of the small `vector_tile.proto` schema, and a decoder for tests and
//! tools.
//!
//! ```text
//! Tile    { repeated Layer layers = 3; }
//! Layer   { required uint32 version = 15; required string name = 1; repeated Feature features = 2;
//!           repeated string keys = 3; repeated Value values = 4; optional uint32 extent = 5; }
//! Feature { optional uint64 id = 1; repeated uint32 tags = 2 [packed]; optional GeomType type = 3;
//!           repeated uint32 geometry = 4 [packed]; }
//! Value   { string = 1; float = 2; double = 3; int64 = 4; uint64 = 5; sint64 = 6; bool = 7; }
//! ```
//!
//! Geometry is a stream of commands `(id & 7) | (count << 3)` — MoveTo (1), LineTo (2),
//! ClosePath (7) — each MoveTo/LineTo followed by `count` pairs of zigzag-encoded deltas from the
//! cursor. Polygon exterior rings have positive area by the surveyor's formula in tile coordinates
//! (clockwise on screen, y down), holes negative; the caller orients rings (see `clip`).

use std::collections::{BTreeMap, HashMap};

/// Tile units per side; the usual value, and the spec's default.
pub const DEFAULT_EXTENT: u32 = 4096;

const CMD_MOVE_TO: u32 = 1;
const CMD_LINE_TO: u32 = 2;
const CMD_CLOSE_PATH: u32 = 7;

const WIRE_VARINT: u8 = 0;
const WIRE_64BIT: u8 = 1;
const WIRE_LEN: u8 = 2;
const WIRE_32BIT: u8 = 5;

/// A property value as a feature carries it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PropertyValue<'a> {
    /// A string.
    Str(&'a str),
    /// A double (shares, ratios).
    Double(f64),
    /// A non-negative integer (counts, populations, metres).
    Uint(u64),
    /// A signed integer.
    Sint(i64),
    /// A boolean.
    Bool(bool),
}

/// The geometry of one feature, in integer tile coordinates (y down).
#[derive(Debug, Clone, PartialEq)]
pub enum Geometry {
    /// One or more points.
    Points(Vec<[i32; 2]>),
    /// One or more line strings (each of 2 points or more; shorter ones are skipped).
    Lines(Vec<Vec<[i32; 2]>>),
    /// Polygon rings, open (the first point is not repeated): each exterior ring (positive area in
    /// tile coordinates) followed by its holes (negative area).
    Polygon(Vec<Vec<[i32; 2]>>),
}

/// Zigzag encoding of a signed delta (small magnitudes → small varints).
pub fn zigzag(n: i32) -> u32 {
    ((n << 1) ^ (n >> 31)) as u32
}

/// Inverse of [`zigzag`].
pub fn unzigzag(n: u32) -> i32 {
    ((n >> 1) as i32) ^ -((n & 1) as i32)
}

fn command(id: u32, count: u32) -> u32 {
    (id & 7) | (count << 3)
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_key(out: &mut Vec<u8>, field: u32, wire: u8) {
    put_varint(out, u64::from(field << 3 | u32::from(wire)));
}

fn put_bytes(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    put_key(out, field, WIRE_LEN);
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn put_packed(out: &mut Vec<u8>, field: u32, values: &[u32], scratch: &mut Vec<u8>) {
    scratch.clear();
    for &v in values {
        put_varint(scratch, u64::from(v));
    }
    put_bytes(out, field, scratch);
}

/// The geometry command stream of a feature.
fn geometry_commands(geometry: &Geometry, out: &mut Vec<u32>) {
    let mut cursor = [0i32, 0i32];
    let mut delta = |p: [i32; 2], out: &mut Vec<u32>| {
        out.push(zigzag(p[0].wrapping_sub(cursor[0])));
        out.push(zigzag(p[1].wrapping_sub(cursor[1])));
        cursor = p;
    };
    match geometry {
        Geometry::Points(points) => {
            if points.is_empty() {
                return;
            }
            out.push(command(CMD_MOVE_TO, points.len() as u32));
            for &p in points {
                delta(p, out);
            }
        }
        Geometry::Lines(lines) => {
            for line in lines.iter().filter(|l| l.len() >= 2) {
                out.push(command(CMD_MOVE_TO, 1));
                delta(line[0], out);
                out.push(command(CMD_LINE_TO, (line.len() - 1) as u32));
                for &p in &line[1..] {
                    delta(p, out);
                }
            }
        }
        Geometry::Polygon(rings) => {
            for ring in rings.iter().filter(|r| r.len() >= 3) {
                out.push(command(CMD_MOVE_TO, 1));
                delta(ring[0], out);
                out.push(command(CMD_LINE_TO, (ring.len() - 1) as u32));
                for &p in &ring[1..] {
                    delta(p, out);
                }
                // ClosePath does not move the cursor: the next ring's MoveTo is relative to the
                // ring's last point.
                out.push(command(CMD_CLOSE_PATH, 1));
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ScalarKey {
    Double(u64),
    Uint(u64),
    Sint(i64),
    Bool(bool),
}

/// One layer under construction: features are encoded as they are added; keys and values are
/// deduplicated into the layer's tables.
#[derive(Debug)]
pub struct LayerBuilder {
    name: String,
    extent: u32,
    keys: Vec<u8>,
    key_index: HashMap<String, u32>,
    values: Vec<u8>,
    string_values: HashMap<String, u32>,
    scalar_values: HashMap<ScalarKey, u32>,
    value_count: u32,
    features: Vec<u8>,
    feature_count: usize,
    scratch_tags: Vec<u32>,
    scratch_geometry: Vec<u32>,
    scratch_bytes: Vec<u8>,
    scratch_feature: Vec<u8>,
}

impl LayerBuilder {
    /// An empty layer.
    pub fn new(name: &str, extent: u32) -> Self {
        LayerBuilder {
            name: name.to_owned(),
            extent,
            keys: Vec::new(),
            key_index: HashMap::new(),
            values: Vec::new(),
            string_values: HashMap::new(),
            scalar_values: HashMap::new(),
            value_count: 0,
            features: Vec::new(),
            feature_count: 0,
            scratch_tags: Vec::new(),
            scratch_geometry: Vec::new(),
            scratch_bytes: Vec::new(),
            scratch_feature: Vec::new(),
        }
    }

    /// Features added so far.
    pub fn len(&self) -> usize {
        self.feature_count
    }

    /// Whether no feature was added.
    pub fn is_empty(&self) -> bool {
        self.feature_count == 0
    }

    fn key(&mut self, key: &str) -> u32 {
        if let Some(&i) = self.key_index.get(key) {
            return i;
        }
        let i = self.key_index.len() as u32;
        put_bytes(&mut self.keys, 3, key.as_bytes());
        self.key_index.insert(key.to_owned(), i);
        i
    }

    fn value(&mut self, value: PropertyValue<'_>) -> u32 {
        let scalar = match value {
            PropertyValue::Str(s) => {
                if let Some(&i) = self.string_values.get(s) {
                    return i;
                }
                let i = self.next_value(|m| put_bytes(m, 1, s.as_bytes()));
                self.string_values.insert(s.to_owned(), i);
                return i;
            }
            // -0.0 and 0.0 are one value; NaN has one canonical bit pattern.
            PropertyValue::Double(d) => ScalarKey::Double(if d == 0.0 {
                0
            } else if d.is_nan() {
                f64::NAN.to_bits()
            } else {
                d.to_bits()
            }),
            PropertyValue::Uint(u) => ScalarKey::Uint(u),
            PropertyValue::Sint(s) => ScalarKey::Sint(s),
            PropertyValue::Bool(b) => ScalarKey::Bool(b),
        };
        if let Some(&i) = self.scalar_values.get(&scalar) {
            return i;
        }
        let i = self.next_value(|m| match scalar {
            ScalarKey::Double(bits) => {
                put_key(m, 3, WIRE_64BIT);
                m.extend_from_slice(&bits.to_le_bytes());
            }
            ScalarKey::Uint(u) => {
                put_key(m, 5, WIRE_VARINT);
                put_varint(m, u);
            }
            ScalarKey::Sint(s) => {
                put_key(m, 6, WIRE_VARINT);
                put_varint(m, ((s << 1) ^ (s >> 63)) as u64);
            }
            ScalarKey::Bool(b) => {
                put_key(m, 7, WIRE_VARINT);
                put_varint(m, u64::from(b));
            }
        });
        self.scalar_values.insert(scalar, i);
        i
    }

    fn next_value(&mut self, write: impl FnOnce(&mut Vec<u8>)) -> u32 {
        let mut message = std::mem::take(&mut self.scratch_bytes);
        message.clear();
        write(&mut message);
        put_bytes(&mut self.values, 4, &message);
        self.scratch_bytes = message;
        let i = self.value_count;
        self.value_count += 1;
        i
    }

    /// Adds a feature. Empty geometries (no points, or no ring of 3 points or more) are skipped:
    /// returns whether the feature was added.
    pub fn add_feature(
        &mut self,
        id: Option<u64>,
        geometry: &Geometry,
        properties: &[(&str, PropertyValue<'_>)],
    ) -> bool {
        let mut commands = std::mem::take(&mut self.scratch_geometry);
        commands.clear();
        geometry_commands(geometry, &mut commands);
        if commands.is_empty() {
            self.scratch_geometry = commands;
            return false;
        }
        let mut tags = std::mem::take(&mut self.scratch_tags);
        tags.clear();
        for &(key, value) in properties {
            let k = self.key(key);
            let v = self.value(value);
            tags.push(k);
            tags.push(v);
        }
        let mut feature = std::mem::take(&mut self.scratch_feature);
        let mut scratch = std::mem::take(&mut self.scratch_bytes);
        feature.clear();
        if let Some(id) = id {
            put_key(&mut feature, 1, WIRE_VARINT);
            put_varint(&mut feature, id);
        }
        if !tags.is_empty() {
            put_packed(&mut feature, 2, &tags, &mut scratch);
        }
        put_key(&mut feature, 3, WIRE_VARINT);
        let geom_type = match geometry {
            Geometry::Points(_) => 1,
            Geometry::Lines(_) => 2,
            Geometry::Polygon(_) => 3,
        };
        put_varint(&mut feature, geom_type);
        put_packed(&mut feature, 4, &commands, &mut scratch);
        put_bytes(&mut self.features, 2, &feature);
        self.feature_count += 1;
        self.scratch_feature = feature;
        self.scratch_bytes = scratch;
        self.scratch_tags = tags;
        self.scratch_geometry = commands;
        true
    }

    /// The layer message (without the Tile's field key).
    fn encode_layer(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            self.features.len() + self.keys.len() + self.values.len() + self.name.len() + 16,
        );
        put_key(&mut out, 15, WIRE_VARINT);
        put_varint(&mut out, 2);
        put_bytes(&mut out, 1, self.name.as_bytes());
        out.extend_from_slice(&self.features);
        out.extend_from_slice(&self.keys);
        out.extend_from_slice(&self.values);
        put_key(&mut out, 5, WIRE_VARINT);
        put_varint(&mut out, u64::from(self.extent));
        out
    }

    /// A whole tile holding this one layer (empty bytes when the layer has no feature: an empty
    /// tile is answered with 204).
    pub fn into_tile(self) -> Vec<u8> {
        if self.is_empty() {
            return Vec::new();
        }
        let layer = self.encode_layer();
        let mut out = Vec::with_capacity(layer.len() + 8);
        put_bytes(&mut out, 3, &layer);
        out
    }
}

/// A decoded property value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// string_value.
    String(String),
    /// float_value.
    Float(f32),
    /// double_value.
    Double(f64),
    /// int_value.
    Int(i64),
    /// uint_value.
    Uint(u64),
    /// sint_value.
    Sint(i64),
    /// bool_value.
    Bool(bool),
}

impl Value {
    /// The value as a number, when it is one.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::Float(f) => Some(f64::from(f)),
            Value::Double(d) => Some(d),
            Value::Int(i) | Value::Sint(i) => Some(i as f64),
            Value::Uint(u) => Some(u as f64),
            Value::String(_) | Value::Bool(_) => None,
        }
    }

    /// The value as a string, when it is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value as a boolean, when it is one.
    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }
}

/// The geometry type of a decoded feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeomType {
    /// UNKNOWN (0).
    Unknown,
    /// POINT (1).
    Point,
    /// LINESTRING (2).
    LineString,
    /// POLYGON (3).
    Polygon,
}

/// A decoded feature.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedFeature {
    /// Feature id, when present.
    pub id: Option<u64>,
    /// Geometry type.
    pub geom_type: GeomType,
    /// Properties by key.
    pub properties: BTreeMap<String, Value>,
    /// Points (one path holding all points of a point feature) or paths/rings as drawn, each
    /// starting at a MoveTo; polygon rings are open (ClosePath implies the closing segment).
    pub paths: Vec<Vec<[i32; 2]>>,
    /// For each path, whether it ended with ClosePath.
    pub closed: Vec<bool>,
}

impl DecodedFeature {
    /// A property by key.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.properties.get(key)
    }
}

/// A decoded layer.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedLayer {
    /// Layer name.
    pub name: String,
    /// Spec version (2).
    pub version: u32,
    /// Tile units per side.
    pub extent: u32,
    /// The features.
    pub features: Vec<DecodedFeature>,
    /// The key table as stored (to check deduplication).
    pub keys: Vec<String>,
    /// The value table as stored.
    pub values: Vec<Value>,
}

/// Bytes that are not a valid vector tile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The message ends inside a field.
    #[error("truncated message at byte {0}")]
    Truncated(usize),
    /// A varint longer than 10 bytes.
    #[error("malformed varint at byte {0}")]
    Varint(usize),
    /// A wire type protobuf does not define (3, 4 groups are not used by the schema).
    #[error("unsupported wire type {wire} at byte {at}")]
    WireType {
        /// The wire type.
        wire: u8,
        /// Where.
        at: usize,
    },
    /// A string that is not UTF-8.
    #[error("invalid UTF-8 in a string field")]
    Utf8,
    /// A tag or geometry that does not follow the spec.
    #[error("invalid feature: {0}")]
    Feature(String),
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    base: usize,
}

enum Field<'a> {
    Varint(u64),
    Fixed64(u64),
    Fixed32(u32),
    Bytes(&'a [u8], usize),
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8], base: usize) -> Self {
        Reader { bytes, pos: 0, base }
    }

    fn varint(&mut self) -> Result<u64, DecodeError> {
        let mut value = 0u64;
        for shift in 0..10 {
            let byte = *self.bytes.get(self.pos).ok_or(DecodeError::Truncated(self.base + self.pos))?;
            self.pos += 1;
            value |= u64::from(byte & 0x7f) << (7 * shift);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(DecodeError::Varint(self.base + self.pos))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or(DecodeError::Truncated(self.base + self.pos))?;
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    /// The next field number and value, or None at the end.
    fn field(&mut self) -> Result<Option<(u32, Field<'a>)>, DecodeError> {
        if self.pos >= self.bytes.len() {
            return Ok(None);
        }
        let at = self.base + self.pos;
        let key = self.varint()?;
        let wire = (key & 7) as u8;
        let number = (key >> 3) as u32;
        let value = match wire {
            WIRE_VARINT => Field::Varint(self.varint()?),
            WIRE_64BIT => {
                let b = self.take(8)?;
                Field::Fixed64(u64::from_le_bytes(b.try_into().map_err(|_| DecodeError::Truncated(at))?))
            }
            WIRE_LEN => {
                let len = usize::try_from(self.varint()?).map_err(|_| DecodeError::Truncated(at))?;
                let offset = self.base + self.pos;
                Field::Bytes(self.take(len)?, offset)
            }
            WIRE_32BIT => {
                let b = self.take(4)?;
                Field::Fixed32(u32::from_le_bytes(b.try_into().map_err(|_| DecodeError::Truncated(at))?))
            }
            wire => return Err(DecodeError::WireType { wire, at }),
        };
        Ok(Some((number, value)))
    }
}

fn utf8(bytes: &[u8]) -> Result<String, DecodeError> {
    String::from_utf8(bytes.to_vec()).map_err(|_| DecodeError::Utf8)
}

/// Packed (or a single unpacked) repeated uint32 values.
fn uints(field: Field<'_>, out: &mut Vec<u32>) -> Result<(), DecodeError> {
    match field {
        Field::Bytes(bytes, base) => {
            let mut r = Reader::new(bytes, base);
            while r.pos < bytes.len() {
                out.push(r.varint()? as u32);
            }
        }
        Field::Varint(v) => out.push(v as u32),
        _ => return Err(DecodeError::Feature("repeated uint32 with a fixed-width wire type".into())),
    }
    Ok(())
}

/// Decodes a tile into its layers. Never panics on malformed input.
pub fn decode(bytes: &[u8]) -> Result<Vec<DecodedLayer>, DecodeError> {
    let mut layers = Vec::new();
    let mut r = Reader::new(bytes, 0);
    while let Some((number, field)) = r.field()? {
        if let (3, Field::Bytes(layer, base)) = (number, field) {
            layers.push(decode_layer(layer, base)?);
        }
    }
    Ok(layers)
}

struct RawFeature {
    id: Option<u64>,
    tags: Vec<u32>,
    geom_type: u64,
    geometry: Vec<u32>,
}

fn decode_layer(bytes: &[u8], base: usize) -> Result<DecodedLayer, DecodeError> {
    let mut r = Reader::new(bytes, base);
    let (mut name, mut version, mut extent) = (String::new(), 1, DEFAULT_EXTENT);
    let (mut keys, mut values, mut raw) = (Vec::new(), Vec::new(), Vec::new());
    while let Some((number, field)) = r.field()? {
        match (number, field) {
            (1, Field::Bytes(b, _)) => name = utf8(b)?,
            (2, Field::Bytes(b, at)) => raw.push(decode_feature(b, at)?),
            (3, Field::Bytes(b, _)) => keys.push(utf8(b)?),
            (4, Field::Bytes(b, at)) => values.push(decode_value(b, at)?),
            (5, Field::Varint(v)) => extent = v as u32,
            (15, Field::Varint(v)) => version = v as u32,
            _ => {}
        }
    }
    let features = raw
        .into_iter()
        .map(|f| {
            if f.tags.len() % 2 != 0 {
                return Err(DecodeError::Feature("odd number of tags".into()));
            }
            let mut properties = BTreeMap::new();
            for pair in f.tags.chunks_exact(2) {
                let key = keys.get(pair[0] as usize);
                let value = values.get(pair[1] as usize);
                let (Some(key), Some(value)) = (key, value) else {
                    return Err(DecodeError::Feature(format!("tag {pair:?} out of the tables")));
                };
                properties.insert(key.clone(), value.clone());
            }
            let geom_type = match f.geom_type {
                1 => GeomType::Point,
                2 => GeomType::LineString,
                3 => GeomType::Polygon,
                _ => GeomType::Unknown,
            };
            let (paths, closed) = decode_geometry(&f.geometry, geom_type)?;
            Ok(DecodedFeature { id: f.id, geom_type, properties, paths, closed })
        })
        .collect::<Result<_, _>>()?;
    Ok(DecodedLayer { name, version, extent, features, keys, values })
}

fn decode_feature(bytes: &[u8], base: usize) -> Result<RawFeature, DecodeError> {
    let mut r = Reader::new(bytes, base);
    let mut f = RawFeature { id: None, tags: Vec::new(), geom_type: 0, geometry: Vec::new() };
    while let Some((number, field)) = r.field()? {
        match (number, field) {
            (1, Field::Varint(v)) => f.id = Some(v),
            (2, field) => uints(field, &mut f.tags)?,
            (3, Field::Varint(v)) => f.geom_type = v,
            (4, field) => uints(field, &mut f.geometry)?,
            _ => {}
        }
    }
    Ok(f)
}

fn decode_value(bytes: &[u8], base: usize) -> Result<Value, DecodeError> {
    let mut r = Reader::new(bytes, base);
    let mut value = None;
    while let Some((number, field)) = r.field()? {
        value = Some(match (number, field) {
            (1, Field::Bytes(b, _)) => Value::String(utf8(b)?),
            (2, Field::Fixed32(v)) => Value::Float(f32::from_bits(v)),
            (3, Field::Fixed64(v)) => Value::Double(f64::from_bits(v)),
            (4, Field::Varint(v)) => Value::Int(v as i64),
            (5, Field::Varint(v)) => Value::Uint(v),
            (6, Field::Varint(v)) => Value::Sint(((v >> 1) as i64) ^ -((v & 1) as i64)),
            (7, Field::Varint(v)) => Value::Bool(v != 0),
            _ => continue,
        });
    }
    value.ok_or_else(|| DecodeError::Feature("a value message with no value".into()))
}

type Paths = (Vec<Vec<[i32; 2]>>, Vec<bool>);

fn decode_geometry(commands: &[u32], geom_type: GeomType) -> Result<Paths, DecodeError> {
    let (mut paths, mut closed): Paths = (Vec::new(), Vec::new());
    let mut cursor = [0i32, 0i32];
    let mut i = 0;
    while i < commands.len() {
        let (id, count) = (commands[i] & 7, (commands[i] >> 3) as usize);
        i += 1;
        match id {
            CMD_MOVE_TO | CMD_LINE_TO => {
                let needed = count.checked_mul(2).filter(|&n| i + n <= commands.len());
                let needed =
                    needed.ok_or_else(|| DecodeError::Feature("geometry ends inside a command".into()))?;
                if id == CMD_LINE_TO && paths.is_empty() {
                    return Err(DecodeError::Feature("LineTo before MoveTo".into()));
                }
                for pair in commands[i..i + needed].chunks_exact(2) {
                    cursor = [
                        cursor[0].wrapping_add(unzigzag(pair[0])),
                        cursor[1].wrapping_add(unzigzag(pair[1])),
                    ];
                    let starts_path = id == CMD_MOVE_TO && (geom_type != GeomType::Point || paths.is_empty());
                    if starts_path {
                        paths.push(Vec::new());
                        closed.push(false);
                    }
                    if let Some(path) = paths.last_mut() {
                        path.push(cursor);
                    }
                }
                i += needed;
            }
            CMD_CLOSE_PATH => match closed.last_mut() {
                Some(c) => *c = true,
                None => return Err(DecodeError::Feature("ClosePath before MoveTo".into())),
            },
            other => return Err(DecodeError::Feature(format!("unknown command {other}"))),
        }
    }
    Ok((paths, closed))
}

/// Twice the signed area of a ring by the surveyor's formula, in tile coordinates: positive for
/// an exterior ring (clockwise on screen, y down), negative for a hole.
pub fn signed_area2(ring: &[[i32; 2]]) -> i64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            i64::from(a[0]) * i64::from(b[1]) - i64::from(b[0]) * i64::from(a[1])
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    mod zigzag_encoding {
        use super::*;

        #[test]
        fn known_values_and_round_trip() {
            assert_eq!([0, -1, 1, -2, 2].map(zigzag), [0, 1, 2, 3, 4]);
            assert_eq!(zigzag(i32::MAX), u32::MAX - 1);
            assert_eq!(zigzag(i32::MIN), u32::MAX);
            for n in [0, 1, -1, 4095, -4096, 123_456, i32::MIN, i32::MAX] {
                assert_eq!(unzigzag(zigzag(n)), n);
            }
        }

        /// The spec's own example: a point at (25, 17) is [9, 50, 34].
        #[test]
        fn spec_point_example() {
            let mut commands = Vec::new();
            geometry_commands(&Geometry::Points(vec![[25, 17]]), &mut commands);
            assert_eq!(commands, [9, 50, 34]);
        }

        /// The spec's polygon example 4.3.5.3: ring (3,6) (8,12) (20,34) → [9,6,12, 18,10,12,24,44, 15].
        #[test]
        fn spec_polygon_example() {
            let mut commands = Vec::new();
            geometry_commands(&Geometry::Polygon(vec![vec![[3, 6], [8, 12], [20, 34]]]), &mut commands);
            assert_eq!(commands, [9, 6, 12, 18, 10, 12, 24, 44, 15]);
        }
    }

    mod round_trip {
        use super::*;

        fn one_layer(bytes: &[u8]) -> DecodedLayer {
            let mut layers = decode(bytes).unwrap();
            assert_eq!(layers.len(), 1);
            layers.remove(0)
        }

        #[test]
        fn points_with_properties_and_deduplicated_tables() {
            let mut layer = LayerBuilder::new("facilities", DEFAULT_EXTENT);
            for (i, name) in ["病院A", "病院B", "病院A"].iter().enumerate() {
                let added = layer.add_feature(
                    Some(i as u64 + 1),
                    &Geometry::Points(vec![[100 + i as i32, -20]]),
                    &[
                        ("name", PropertyValue::Str(name)),
                        ("kind", PropertyValue::Str("hospital")),
                        ("home", PropertyValue::Bool(i != 1)),
                        ("share", PropertyValue::Double(0.25)),
                        ("count", PropertyValue::Uint(300)),
                        ("delta", PropertyValue::Sint(-7)),
                    ],
                );
                assert!(added);
            }
            let decoded = one_layer(&layer.into_tile());
            assert_eq!((decoded.name.as_str(), decoded.version, decoded.extent), ("facilities", 2, 4096));
            assert_eq!(decoded.keys, ["name", "kind", "home", "share", "count", "delta"], "each key once");
            // 病院A, hospital, true, 0.25, 300, -7, 病院B, false: each value once.
            assert_eq!(decoded.values.len(), 8, "{:?}", decoded.values);
            let f = &decoded.features;
            assert_eq!(f.len(), 3);
            assert_eq!(f[2].id, Some(3));
            assert_eq!(f[2].geom_type, GeomType::Point);
            assert_eq!(f[2].paths, [vec![[102, -20]]]);
            assert_eq!(f[1].get("name"), Some(&Value::String("病院B".into())));
            assert_eq!(f[1].get("home"), Some(&Value::Bool(false)));
            assert_eq!(f[0].get("share"), Some(&Value::Double(0.25)));
            assert_eq!(f[0].get("count"), Some(&Value::Uint(300)));
            assert_eq!(f[0].get("delta"), Some(&Value::Sint(-7)));
        }

        #[test]
        fn multipoint() {
            let mut layer = LayerBuilder::new("p", 512);
            layer.add_feature(None, &Geometry::Points(vec![[5, 7], [3, 2], [-1, 600]]), &[]);
            let decoded = one_layer(&layer.into_tile());
            assert_eq!(decoded.extent, 512);
            assert_eq!(decoded.features[0].id, None);
            assert_eq!(decoded.features[0].paths, [vec![[5, 7], [3, 2], [-1, 600]]]);
            assert!(decoded.features[0].properties.is_empty());
        }

        #[test]
        fn lines() {
            let mut layer = LayerBuilder::new("l", DEFAULT_EXTENT);
            let lines = vec![vec![[2, 2], [2, 10], [10, 10]], vec![[1, 1], [3, 5]], vec![[7, 7]]];
            assert!(layer.add_feature(
                Some(7),
                &Geometry::Lines(lines),
                &[("w", PropertyValue::Double(1.5))]
            ));
            let decoded = one_layer(&layer.into_tile());
            let f = &decoded.features[0];
            assert_eq!(f.geom_type, GeomType::LineString);
            // The spec's example 4.3.5.2 as two paths; the one-point line is dropped.
            assert_eq!(f.paths, [vec![[2, 2], [2, 10], [10, 10]], vec![[1, 1], [3, 5]]]);
            assert_eq!(f.closed, [false, false]);
            assert_eq!(f.get("w"), Some(&Value::Double(1.5)));
            let mut commands = Vec::new();
            geometry_commands(
                &Geometry::Lines(vec![vec![[2, 2], [2, 10], [10, 10]], vec![[1, 1], [3, 5]]]),
                &mut commands,
            );
            assert_eq!(commands, [9, 4, 4, 18, 0, 16, 16, 0, 9, 17, 17, 10, 4, 8]);
        }

        #[test]
        fn polygon_with_a_hole_keeps_rings_and_winding() {
            // Exterior clockwise on screen (positive area, y down), hole counter-clockwise.
            let exterior = vec![[0, 0], [100, 0], [100, 100], [0, 100]];
            let hole = vec![[20, 20], [20, 80], [80, 80], [80, 20]];
            assert!(signed_area2(&exterior) > 0 && signed_area2(&hole) < 0);
            let mut layer = LayerBuilder::new("areas", DEFAULT_EXTENT);
            let geometry = Geometry::Polygon(vec![
                exterior.clone(),
                hole.clone(),
                vec![[200, 200], [300, 200], [300, 300]],
            ]);
            layer.add_feature(Some(4312), &geometry, &[("code", PropertyValue::Str("4312"))]);
            let decoded = one_layer(&layer.into_tile());
            let f = &decoded.features[0];
            assert_eq!(f.geom_type, GeomType::Polygon);
            assert_eq!(f.paths, [exterior, hole, vec![[200, 200], [300, 200], [300, 300]]]);
            assert_eq!(f.closed, [true, true, true]);
            assert_eq!(f.id, Some(4312));
        }

        #[test]
        fn empty_layers_and_geometries() {
            let mut layer = LayerBuilder::new("x", DEFAULT_EXTENT);
            assert!(!layer.add_feature(Some(1), &Geometry::Points(vec![]), &[]));
            assert!(!layer.add_feature(Some(1), &Geometry::Polygon(vec![vec![[0, 0], [1, 1]]]), &[]));
            assert!(layer.is_empty());
            assert!(layer.into_tile().is_empty(), "an empty layer is an empty tile");
            assert_eq!(decode(&[]).unwrap(), vec![]);
        }
    }

    mod malformed_input {
        use super::*;

        #[test]
        fn errors_never_panics() {
            let mut layer = LayerBuilder::new("x", DEFAULT_EXTENT);
            layer.add_feature(Some(9), &Geometry::Points(vec![[1, 2]]), &[("k", PropertyValue::Uint(1))]);
            let good = layer.into_tile();
            for cut in 0..good.len() {
                let _ = decode(&good[..cut]);
            }
            assert!(decode(&[0x1a, 0x05, 0x01]).is_err(), "length past the end");
            assert!(decode(&[0xff; 12]).is_err(), "overlong varint");
            assert!(decode(&[0x1b]).is_err(), "wire type 3");
            // A feature whose tag points past the key table.
            let feature = [0x12, 0x02, 0x05, 0x00, 0x18, 0x01, 0x22, 0x03, 0x09, 0x02, 0x02];
            let mut layer_bytes = vec![0x78, 0x02, 0x12, feature.len() as u8];
            layer_bytes.extend_from_slice(&feature);
            let mut tile = vec![0x1a, layer_bytes.len() as u8];
            tile.extend_from_slice(&layer_bytes);
            assert!(matches!(decode(&tile), Err(DecodeError::Feature(_))));
        }
    }
}
