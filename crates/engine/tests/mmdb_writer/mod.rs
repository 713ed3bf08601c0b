//! A minimal MaxMind DB writer, so the GeoIP tests build their own tiny databases with known
//! answers instead of shipping third-party data.
//!
//! Format (MaxMind DB File Format Specification 2.0): a binary search tree of `node_count` nodes,
//! each two records of 24, 28 or 32 bits (left child for a 0 bit, right for a 1 bit); a record
//! below `node_count` is another node, `node_count` itself means "no data", and anything above
//! points into the data section at `record - node_count - 16`. Then 16 zero bytes, the data
//! section (typed values: a control byte with the type in its top three bits and the size in the
//! low five), the marker `\xAB\xCD\xEFMaxMind.com`, and the metadata map. An IPv6 tree holds IPv4
//! networks under `::/96`.

use std::net::IpAddr;

/// A data-section value.
#[derive(Clone, Debug)]
pub(crate) enum Data {
    Str(String),
    Double(f64),
    Float(f32),
    U16(u16),
    U32(u32),
    U64(u64),
    Bool(bool),
    Map(Vec<(String, Data)>),
    Array(Vec<Data>),
}

/// A map from `(key, value)` pairs.
pub(crate) fn map<const N: usize>(entries: [(&str, Data); N]) -> Data {
    Data::Map(entries.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

/// A string.
pub(crate) fn s(text: &str) -> Data {
    Data::Str(text.to_owned())
}

const TYPE_STRING: u8 = 2;
const TYPE_DOUBLE: u8 = 3;
const TYPE_UINT16: u8 = 5;
const TYPE_UINT32: u8 = 6;
const TYPE_MAP: u8 = 7;
const TYPE_UINT64: u8 = 9;
const TYPE_ARRAY: u8 = 11;
const TYPE_BOOL: u8 = 14;
const TYPE_FLOAT: u8 = 15;

fn control(out: &mut Vec<u8>, kind: u8, size: usize) {
    let (tag, extended) = if kind <= 7 {
        (kind << 5, None)
    } else {
        (0, Some(kind - 7))
    };
    let (low, extra): (u8, Vec<u8>) = if size < 29 {
        (u8::try_from(size).unwrap(), vec![])
    } else if size < 29 + 256 {
        (29, vec![u8::try_from(size - 29).unwrap()])
    } else if size < 285 + 65_536 {
        (30, u16::try_from(size - 285).unwrap().to_be_bytes().to_vec())
    } else {
        (31, u32::try_from(size - 65_821).unwrap().to_be_bytes()[1..].to_vec())
    };
    out.push(tag | low);
    out.extend(extended);
    out.extend(extra);
}

/// An unsigned integer in as few big-endian bytes as it needs.
fn uint(out: &mut Vec<u8>, kind: u8, value: u64) {
    let bytes = value.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    control(out, kind, 8 - skip);
    out.extend_from_slice(&bytes[skip..]);
}

fn encode(out: &mut Vec<u8>, value: &Data) {
    match value {
        Data::Str(text) => {
            control(out, TYPE_STRING, text.len());
            out.extend_from_slice(text.as_bytes());
        }
        Data::Double(x) => {
            control(out, TYPE_DOUBLE, 8);
            out.extend_from_slice(&x.to_be_bytes());
        }
        Data::Float(x) => {
            control(out, TYPE_FLOAT, 4);
            out.extend_from_slice(&x.to_be_bytes());
        }
        Data::U16(x) => uint(out, TYPE_UINT16, u64::from(*x)),
        Data::U32(x) => uint(out, TYPE_UINT32, u64::from(*x)),
        Data::U64(x) => uint(out, TYPE_UINT64, *x),
        Data::Bool(b) => control(out, TYPE_BOOL, usize::from(*b)),
        Data::Map(entries) => {
            control(out, TYPE_MAP, entries.len());
            for (key, value) in entries {
                encode(out, &Data::Str(key.clone()));
                encode(out, value);
            }
        }
        Data::Array(items) => {
            control(out, TYPE_ARRAY, items.len());
            for item in items {
                encode(out, item);
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Record {
    Empty,
    Node(usize),
    Data(usize),
}

/// Networks and their records, turned into `.mmdb` bytes by [`Writer::build`].
pub(crate) struct Writer {
    database_type: String,
    ip_version: u16,
    record_size: u16,
    networks: Vec<(u128, u32, Data)>,
}

impl Writer {
    /// An empty database of `ip_version` 4 or 6 with 24-, 28- or 32-bit records.
    pub(crate) fn new(database_type: &str, ip_version: u16, record_size: u16) -> Writer {
        assert!(ip_version == 4 || ip_version == 6);
        assert!([24, 28, 32].contains(&record_size));
        Writer {
            database_type: database_type.to_owned(),
            ip_version,
            record_size,
            networks: Vec::new(),
        }
    }

    fn depth(&self) -> u32 {
        if self.ip_version == 4 { 32 } else { 128 }
    }

    /// Map the network `cidr` (`81.2.69.0/24`, `2a00:1450::/32`) to `data`. Networks must not
    /// overlap.
    pub(crate) fn insert(&mut self, cidr: &str, data: Data) -> &mut Writer {
        let (addr, len) = cidr.split_once('/').unwrap();
        let len: u32 = len.parse().unwrap();
        // Left-aligned: bit `i` of the path through the tree is bit `127 - i`.
        let (bits, len) = match addr.parse::<IpAddr>().unwrap() {
            IpAddr::V4(v4) if self.ip_version == 4 => (u128::from(u32::from(v4)) << 96, len),
            // IPv4 networks live under ::/96 in an IPv6 tree.
            IpAddr::V4(v4) => (u128::from(u32::from(v4)), 96 + len),
            IpAddr::V6(v6) => {
                assert_eq!(self.ip_version, 6, "IPv6 network in an IPv4 database");
                (u128::from(v6), len)
            }
        };
        assert!(len >= 1 && len <= self.depth());
        self.networks.push((bits, len, data));
        self
    }

    /// The database file.
    pub(crate) fn build(&self) -> Vec<u8> {
        // The search tree: node 0 is the root.
        let mut nodes: Vec<[Record; 2]> = vec![[Record::Empty; 2]];
        for (index, (bits, len, _)) in self.networks.iter().enumerate() {
            let mut node = 0;
            for i in 0..*len {
                let bit = usize::from((bits >> (127 - i)) & 1 == 1);
                if i == len - 1 {
                    assert_eq!(nodes[node][bit], Record::Empty, "overlapping networks");
                    nodes[node][bit] = Record::Data(index);
                    break;
                }
                node = match nodes[node][bit] {
                    Record::Node(next) => next,
                    Record::Empty => {
                        nodes.push([Record::Empty; 2]);
                        let next = nodes.len() - 1;
                        nodes[node][bit] = Record::Node(next);
                        next
                    }
                    Record::Data(_) => panic!("overlapping networks"),
                };
            }
        }

        // The data section, one value per network.
        let mut data = Vec::new();
        let mut offsets = Vec::new();
        for (_, _, value) in &self.networks {
            offsets.push(data.len());
            encode(&mut data, value);
        }

        let node_count = nodes.len();
        let value = |r: Record| -> u32 {
            let v = match r {
                Record::Empty => node_count,
                Record::Node(n) => n,
                Record::Data(i) => node_count + 16 + offsets[i],
            };
            u32::try_from(v).unwrap()
        };
        let mut out = Vec::new();
        for [left, right] in nodes {
            let (l, r) = (value(left), value(right));
            match self.record_size {
                24 => {
                    assert!(l < 1 << 24 && r < 1 << 24);
                    out.extend_from_slice(&l.to_be_bytes()[1..]);
                    out.extend_from_slice(&r.to_be_bytes()[1..]);
                }
                28 => {
                    assert!(l < 1 << 28 && r < 1 << 28);
                    out.extend_from_slice(&l.to_be_bytes()[1..]);
                    // The middle byte: the left record's top four bits, then the right's.
                    out.push(u8::try_from(((l >> 24) << 4) | (r >> 24)).unwrap());
                    out.extend_from_slice(&r.to_be_bytes()[1..]);
                }
                _ => {
                    out.extend_from_slice(&l.to_be_bytes());
                    out.extend_from_slice(&r.to_be_bytes());
                }
            }
        }
        out.extend_from_slice(&[0; 16]);
        out.extend_from_slice(&data);
        out.extend_from_slice(b"\xAB\xCD\xEFMaxMind.com");
        let metadata = Data::Map(vec![
            ("binary_format_major_version".into(), Data::U16(2)),
            ("binary_format_minor_version".into(), Data::U16(0)),
            ("build_epoch".into(), Data::U64(1_780_000_000)),
            ("database_type".into(), Data::Str(self.database_type.clone())),
            ("description".into(), map([("en", s("Tripline test database"))])),
            ("ip_version".into(), Data::U16(self.ip_version)),
            ("languages".into(), Data::Array(vec![s("en")])),
            ("node_count".into(), Data::U32(u32::try_from(node_count).unwrap())),
            ("record_size".into(), Data::U16(self.record_size)),
        ]);
        encode(&mut out, &metadata);
        out
    }
}
