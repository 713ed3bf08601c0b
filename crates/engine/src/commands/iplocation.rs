//! `iplocation [prefix=<string>] [allfields=<bool>] [lang=<string>] <field>`: add the location of
//! the IP address in `field` from the GeoIP database ([`EvalContext::geoip`]).
//!
//! Adds `City`, `Country`, `Region`, `lat` and `lon`; with `allfields=true` also `Continent`,
//! `MetroCode` and `Timezone`. `prefix=` goes in front of every name (`prefix=src_` gives
//! `src_City`). `lang=` picks the language of the names, as a comma-separated list in order of
//! preference (`lang=es,en`); `lang=code` gives ISO codes for country, continent and region.
//! Names the database lacks in every listed language are given in English [INFER].
//!
//! Semantics:
//! - [DOC] "For IP addresses which do not have a location, such as internal addresses, no fields
//!   are added." Private, loopback, link-local, CGNAT, documentation and other non-global
//!   addresses, public addresses the database does not know, and values that are not IP
//!   addresses leave the event unchanged, so `City`/`Country` stay null and a later
//!   `stats … BY Country City` drops the event (as in Access Scanning).
//! - [DOC] "Because all the information might not be available for each IP address, an event can
//!   have empty field values." When the database has a record for the address, every field of the
//!   set is added; a part the record lacks, or has empty, becomes an empty string (a real value
//!   for `stats BY`, per spl-semantics §3.6.3) [INFER]. A record with nothing in it at all counts
//!   as no location.
//! - A multivalue field: the first value is looked up [INFER].
//! - An existing field with an output name is overwritten when the address is located and left
//!   as it was otherwise.
//! - The doc also lists `_time` among the added fields; Tripline leaves `_time` alone.
//! - **No database configured** ([`EvalContext::geoip`] is `None`): the search compiles and runs,
//!   and every address behaves as one without a location (no fields added).
//!   [`Plan::requires_geoip`](crate::plan::Plan::requires_geoip) tells the caller, which should
//!   warn that results will lack locations.
//!
//! Examples (run as tests below):
//! - `iplocation sourceIPs{} | stats count BY sourceIPs{} Country City`
//! - `iplocation prefix=src_ allfields=true client_ip`
//! - `iplocation lang=code client_ip`

use std::any::Any;
use std::net::IpAddr;

use tripline_spl::ast::IplocationCommand;

use super::{Operator, bool_option, option};
use crate::CompileError;
use crate::expr::EvalContext;
use crate::geoip::Location;
use crate::needs::Needs;
use crate::row::Row;
use crate::value::{Text, Value, format_number};

/// The output fields, in the order they are added: the default set, then `allfields`' extras.
const BASE: [&str; 5] = ["City", "Country", "Region", "lat", "lon"];
const EXTRA: [&str; 3] = ["Continent", "MetroCode", "Timezone"];

/// The compiled `iplocation` command.
#[derive(Clone, Debug)]
pub(crate) struct Iplocation {
    field: Text,
    /// Output names with the prefix applied: `BASE`, then `EXTRA` when `allfields=true`.
    names: Vec<Text>,
    /// `lang=` split at commas; empty for the default (English).
    langs: Vec<String>,
}

pub(crate) fn compile(c: &IplocationCommand) -> Result<Box<dyn Operator>, CompileError> {
    let prefix = option(&c.options, "prefix").map_or("", |o| o.value.value.as_str());
    let allfields = bool_option(&c.options, "allfields", false)?;
    let langs: Vec<String> = option(&c.options, "lang")
        .map(|o| {
            o.value
                .value
                .split(',')
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let english = langs.is_empty() || (langs.len() == 1 && langs[0].eq_ignore_ascii_case("en"));
    let count = if allfields {
        BASE.len() + EXTRA.len()
    } else {
        BASE.len()
    };
    let names = BASE
        .iter()
        .chain(EXTRA.iter())
        .take(count)
        .map(|n| {
            let mut name = Text::from(prefix);
            name.push_str(n);
            name
        })
        .collect();
    Ok(Box::new(Iplocation {
        field: Text::from(c.field.name.as_str()),
        names,
        langs: if english { Vec::new() } else { langs },
    }))
}

/// The address in a field value: the first value of a multivalue, surrounding spaces ignored.
fn address(value: &Value) -> Option<IpAddr> {
    let first = match value {
        Value::Str(s) => s.as_str(),
        Value::Multi(v) => v.first()?.as_str(),
        Value::Num(_) | Value::Bool(_) => return None,
    };
    first.trim().parse().ok()
}

impl Iplocation {
    fn locate(&self, row: &Row, ctx: &EvalContext) -> Option<Location> {
        let geoip = ctx.geoip.as_deref()?;
        let ip = address(row.get(&self.field)?)?;
        if self.langs.is_empty() {
            geoip.lookup(ip)
        } else {
            geoip.lookup_lang(ip, &self.langs)
        }
    }
}

impl Operator for Iplocation {
    fn push(&mut self, mut row: Row, ctx: &EvalContext, out: &mut Vec<Row>) {
        if let Some(loc) = self.locate(&row, ctx) {
            let text = |s: Option<String>| Value::Str(s.map(Text::from).unwrap_or_default());
            let number = |n: Option<f64>| Value::Str(n.map(format_number).unwrap_or_default());
            let values = [
                text(loc.city),
                text(loc.country),
                text(loc.region),
                number(loc.lat),
                number(loc.lon),
                text(loc.continent),
                text(loc.metro_code),
                text(loc.timezone),
            ];
            for (name, value) in self.names.iter().zip(values) {
                row.set(name, value);
            }
        }
        out.push(row);
    }

    fn needs(&self, downstream: &Needs) -> Needs {
        // The outputs stay needed from upstream: an event whose address has no location keeps
        // whatever `City` it had.
        let mut n = downstream.clone();
        n.add(&self.field);
        n
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn fresh(&self) -> Box<dyn Operator> {
        Box::new(self.clone())
    }

    fn requires_geoip(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::net::IpAddr;
    use std::sync::Arc;

    use crate::commands::testing::{row, rows};
    use crate::expr::EvalContext;
    use crate::geoip::{GeoIp, Location, is_global};
    use crate::plan::Plan;
    use crate::row::Row;

    /// A database of exact addresses, answering like `MmdbGeoIp` for non-global ones.
    #[derive(Debug, Default)]
    struct Fake(HashMap<IpAddr, Location>);

    impl GeoIp for Fake {
        fn lookup(&self, ip: IpAddr) -> Option<Location> {
            if !is_global(ip) {
                return None;
            }
            self.0.get(&ip).cloned()
        }

        fn lookup_lang(&self, ip: IpAddr, langs: &[String]) -> Option<Location> {
            let mut loc = self.lookup(ip)?;
            if langs.iter().any(|l| l == "code") {
                loc.country = loc.country.map(|_| "GB".to_owned());
            }
            Some(loc)
        }
    }

    fn fake() -> Arc<dyn GeoIp> {
        let mut m = HashMap::new();
        m.insert(
            "81.2.69.142".parse().unwrap(),
            Location {
                city: Some("London".into()),
                country: Some("United Kingdom".into()),
                region: Some("England".into()),
                lat: Some(51.5143),
                lon: Some(-0.0912),
                continent: Some("Europe".into()),
                timezone: Some("Europe/London".into()),
                metro_code: None,
            },
        );
        // A public address with a country only (the doc's blank City example).
        m.insert(
            "91.205.189.15".parse().unwrap(),
            Location {
                country: Some("Russia".into()),
                city: Some(String::new()),
                ..Location::default()
            },
        );
        Arc::new(Fake(m))
    }

    fn run_with(spl: &str, geoip: Option<Arc<dyn GeoIp>>, input: Vec<Row>) -> Vec<Vec<(String, String)>> {
        let ctx = EvalContext {
            geoip,
            ..EvalContext::default()
        };
        assert!(
            Plan::compile_text(&format!("search * | {spl}"), &ctx)
                .unwrap()
                .requires_geoip()
        );
        crate::commands::testing::run_in(spl, input, &ctx)
    }

    #[test]
    fn adds_the_default_fields() {
        let got = run_with("iplocation ip", Some(fake()), vec![row(&[("ip", "81.2.69.142")])]);
        assert_eq!(
            got,
            rows(&[&[
                ("ip", "81.2.69.142"),
                ("City", "London"),
                ("Country", "United Kingdom"),
                ("Region", "England"),
                ("lat", "51.5143"),
                ("lon", "-0.0912"),
            ]])
        );
    }

    #[test]
    fn prefix_and_allfields() {
        let got = run_with(
            "iplocation prefix=src_ allfields=true ip",
            Some(fake()),
            vec![row(&[("ip", "81.2.69.142")])],
        );
        assert_eq!(
            got,
            rows(&[&[
                ("ip", "81.2.69.142"),
                ("src_City", "London"),
                ("src_Country", "United Kingdom"),
                ("src_Region", "England"),
                ("src_lat", "51.5143"),
                ("src_lon", "-0.0912"),
                ("src_Continent", "Europe"),
                ("src_MetroCode", ""),
                ("src_Timezone", "Europe/London"),
            ]])
        );
    }

    #[test]
    fn no_location_adds_no_fields() {
        let input = vec![
            row(&[("ip", "10.0.0.5")]),
            row(&[("ip", "127.0.0.1"), ("City", "kept")]),
            row(&[("ip", "8.8.4.4")]), // public, but not in the database
            row(&[("ip", "not an address")]),
            row(&[("other", "1")]),
        ];
        let expected = rows(&[
            &[("ip", "10.0.0.5")],
            &[("ip", "127.0.0.1"), ("City", "kept")],
            &[("ip", "8.8.4.4")],
            &[("ip", "not an address")],
            &[("other", "1")],
        ]);
        assert_eq!(run_with("iplocation ip", Some(fake()), input.clone()), expected);
    }

    #[test]
    fn partial_records_give_empty_strings() {
        let got = run_with("iplocation ip", Some(fake()), vec![row(&[("ip", "91.205.189.15")])]);
        assert_eq!(
            got,
            rows(&[&[
                ("ip", "91.205.189.15"),
                ("City", ""),
                ("Country", "Russia"),
                ("Region", ""),
                ("lat", ""),
                ("lon", ""),
            ]])
        );
    }

    #[test]
    fn multivalue_uses_the_first_value() {
        let got = run_with(
            "iplocation sourceIPs{}",
            Some(fake()),
            vec![
                row(&[("sourceIPs{}", "81.2.69.142|10.0.0.1")]),
                row(&[("sourceIPs{}", "10.0.0.1|81.2.69.142")]),
            ],
        );
        assert_eq!(got[0][1], ("City".to_owned(), "London".to_owned()));
        assert_eq!(got[1], rows(&[&[("sourceIPs{}", "10.0.0.1|81.2.69.142")]])[0]);
    }

    #[test]
    fn without_a_database_nothing_is_added() {
        let got = run_with("iplocation ip", None, vec![row(&[("ip", "81.2.69.142")])]);
        assert_eq!(got, rows(&[&[("ip", "81.2.69.142")]]));
    }

    #[test]
    fn lang_is_passed_to_the_database() {
        let got = run_with(
            "iplocation lang=code ip | table Country",
            Some(fake()),
            vec![row(&[("ip", "81.2.69.142")])],
        );
        assert_eq!(got, rows(&[&[("Country", "GB")]]));
    }

    #[test]
    fn access_scanning_drops_private_sources() {
        let input = vec![
            row(&[("sourceIPs{}", "81.2.69.142")]),
            row(&[("sourceIPs{}", "10.0.0.7")]),
            row(&[("sourceIPs{}", "81.2.69.142")]),
            row(&[("sourceIPs{}", "192.168.1.1")]),
        ];
        let got = run_with(
            "iplocation sourceIPs{} | stats count BY sourceIPs{} Country City",
            Some(fake()),
            input,
        );
        assert_eq!(
            got,
            rows(&[&[
                ("sourceIPs{}", "81.2.69.142"),
                ("Country", "United Kingdom"),
                ("City", "London"),
                ("count", "2"),
            ]])
        );
    }

    #[test]
    fn needs_the_address_field() {
        let plan = Plan::compile_text(
            "search * | iplocation sourceIPs{} | stats count BY Country",
            &EvalContext::default(),
        )
        .unwrap();
        assert!(plan.needs().contains("sourceIPs{}"));
        assert!(plan.needs().contains("Country"));
        assert!(!plan.needs().contains("verb"));
        let plain = Plan::compile_text("search * | stats count", &EvalContext::default()).unwrap();
        assert!(!plain.requires_geoip());
    }

    #[test]
    fn bad_allfields_is_an_error() {
        assert!(Plan::compile_text("search * | iplocation allfields=maybe ip", &EvalContext::default()).is_err());
    }
}
