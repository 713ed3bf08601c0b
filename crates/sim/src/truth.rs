//! Ground truth: the built-in detections, and for a set of generated records, which of them
//! should report it.
//!
//! Each [`Rule`] is one detection of Tripline's built-in pack (`content/detections`), named by
//! its id. [`AuditTally`] and [`ObjectTally`] restate, for the records of one attack instance,
//! the conditions and thresholds of those searches — who counts as unauthenticated, which paths
//! are discovery or public, how many refusals or distinct paths make a finding, which images are
//! scanners or suspicious — so that every label says which rules must find the instance in the
//! chosen format. The same tallies run over the background in the tests, to show it stays below
//! every threshold. The CLI tests check the ids and names against the embedded pack, and the
//! findings of `tripline hunt` against the labels.

use std::collections::BTreeSet;

use crate::Format;
use crate::audit::{Decision, Req};
use crate::model::{Cluster, UserKind};
use crate::objects::ObjEv;

/// A detection of the built-in pack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// Kubernetes Unauthenticated API Sweep: more than five refused unauthenticated requests from
    /// one address (raw audit and webhook `EventList`s).
    UnauthenticatedApiSweep,
    /// Kubernetes Anonymous API Access Allowed: an anonymous request allowed beyond the public
    /// health and version paths.
    AnonymousApiAccessAllowed,
    /// Kubernetes Forbidden Create Attempt: an authenticated create refused with 403.
    ForbiddenCreateAttempt,
    /// Amazon EKS Anonymous Cluster Discovery: two or more discovery paths asked anonymously.
    EksAnonymousClusterDiscovery,
    /// Amazon EKS Anonymous Pod Listing: an anonymous pod list.
    EksAnonymousPodListing,
    /// Kubernetes GKE Unauthenticated Cluster Scan: refusals of unauthenticated requests on
    /// three or more resources.
    GkeUnauthenticatedClusterScan,
    /// Kubernetes GKE Unauthenticated Pod Enumeration: pods read without valid credentials.
    GkeUnauthenticatedPodEnumeration,
    /// Kubernetes AKS Unauthenticated Cluster Scan: 401s or anonymous 403s on three or more
    /// paths.
    AksUnauthenticatedClusterScan,
    /// Kubernetes AKS Unauthenticated Pod Enumeration: pods read without valid credentials.
    AksUnauthenticatedPodEnumeration,
    /// Kubernetes Security Scanner Image Pull: a node pulls a known scanner's image.
    SecurityScannerImagePull,
    /// Kubernetes Suspicious Image Pull: a node pulls from a public-IP, throwaway or tunnelled
    /// registry, or a miner image.
    SuspiciousImagePull,
}

impl Rule {
    /// Every rule, in the pack's file order.
    pub const ALL: [Rule; 11] = [
        Rule::EksAnonymousClusterDiscovery,
        Rule::EksAnonymousPodListing,
        Rule::AksUnauthenticatedClusterScan,
        Rule::AksUnauthenticatedPodEnumeration,
        Rule::AnonymousApiAccessAllowed,
        Rule::ForbiddenCreateAttempt,
        Rule::GkeUnauthenticatedClusterScan,
        Rule::GkeUnauthenticatedPodEnumeration,
        Rule::SecurityScannerImagePull,
        Rule::SuspiciousImagePull,
        Rule::UnauthenticatedApiSweep,
    ];

    /// The detection's `id`.
    #[must_use]
    pub fn id(self) -> &'static str {
        match self {
            Rule::UnauthenticatedApiSweep => "6f0d4a51-3c2b-4e8f-9a57-1d2b7c9e0a11",
            Rule::AnonymousApiAccessAllowed => "ddfc77b2-ae17-471e-9600-8ee1f9c1e43e",
            Rule::ForbiddenCreateAttempt => "d4b672ad-193d-4507-ae0e-0bc56c461244",
            Rule::EksAnonymousClusterDiscovery => "f78e3fa1-57e8-4709-918e-034d54c5371c",
            Rule::EksAnonymousPodListing => "4fd58fcf-edb5-412d-9f7a-9a1483b4b9ef",
            Rule::GkeUnauthenticatedClusterScan => "103a2515-90e3-482c-a5f2-1b009058078f",
            Rule::GkeUnauthenticatedPodEnumeration => "173486d9-a888-41c3-beca-5057d3e36664",
            Rule::AksUnauthenticatedClusterScan => "6d886414-cd1b-45af-8cb8-afd5641eb65d",
            Rule::AksUnauthenticatedPodEnumeration => "0b65dd19-7b15-4caf-8493-7c9dd6deb5a8",
            Rule::SecurityScannerImagePull => "0b9e2f7c-5d41-4a63-8e0f-2c6a9b3d7e52",
            Rule::SuspiciousImagePull => "a3dedc8d-5140-480e-8bce-8e71e06d8f68",
        }
    }

    /// The detection's `name`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Rule::UnauthenticatedApiSweep => "Kubernetes Unauthenticated API Sweep",
            Rule::AnonymousApiAccessAllowed => "Kubernetes Anonymous API Access Allowed",
            Rule::ForbiddenCreateAttempt => "Kubernetes Forbidden Create Attempt",
            Rule::EksAnonymousClusterDiscovery => "Amazon EKS Anonymous Cluster Discovery",
            Rule::EksAnonymousPodListing => "Amazon EKS Anonymous Pod Listing",
            Rule::GkeUnauthenticatedClusterScan => "Kubernetes GKE Unauthenticated Cluster Scan",
            Rule::GkeUnauthenticatedPodEnumeration => "Kubernetes GKE Unauthenticated Pod Enumeration",
            Rule::AksUnauthenticatedClusterScan => "Kubernetes AKS Unauthenticated Cluster Scan",
            Rule::AksUnauthenticatedPodEnumeration => "Kubernetes AKS Unauthenticated Pod Enumeration",
            Rule::SecurityScannerImagePull => "Kubernetes Security Scanner Image Pull",
            Rule::SuspiciousImagePull => "Kubernetes Suspicious Image Pull",
        }
    }

    /// The result field holding the entity the rule reports (`src_ip`, `user` or `host`).
    #[must_use]
    pub fn entity_field(self) -> &'static str {
        match self {
            Rule::ForbiddenCreateAttempt => "user",
            Rule::SecurityScannerImagePull | Rule::SuspiciousImagePull => "host",
            _ => "src_ip",
        }
    }
}

/// Paths `kube_allowed_anonymous_paths` leaves out of the anonymous-access detection.
fn public_path(uri: &str) -> bool {
    ["/healthz", "/livez", "/readyz"].iter().any(|p| {
        uri == *p
            || uri
                .strip_prefix(p)
                .is_some_and(|rest| rest.starts_with('/') || rest.starts_with('?'))
    }) || uri == "/version"
        || uri == "/version/"
        || uri.starts_with("/version?")
}

/// The discovery paths of the EKS cluster discovery detection (matched as Splunk matches
/// wildcards in `IN`: case-insensitively).
pub(crate) fn discovery_path(uri: &str) -> bool {
    let u = uri.to_ascii_lowercase();
    matches!(
        u.as_str(),
        "/" | "/api"
            | "/apis"
            | "/version"
            | "/version/"
            | "/metrics"
            | "/.well-known/openid-configuration"
            | "/openid/v1/jwks"
    ) || u.starts_with("/api/")
        || u.starts_with("/apis/")
        || u.starts_with("/version?")
        || u.starts_with("/openapi/")
        || u.starts_with("/swagger")
}

/// What one attack instance's audit records add up to, per rule condition.
#[derive(Clone, Debug, Default)]
pub(crate) struct AuditTally {
    /// Refused (403) requests in `system:unauthenticated`.
    anonymous_refused: u32,
    /// An anonymous request allowed outside the public paths.
    anonymous_allowed: bool,
    /// An authenticated create refused.
    forbidden_create: bool,
    /// Distinct discovery URIs asked anonymously.
    discovery: BTreeSet<String>,
    /// An anonymous pod list.
    anonymous_pod_list: bool,
    /// GKE `resourceName`s refused to unauthenticated callers.
    gke_refused: BTreeSet<String>,
    /// Pod reads without valid credentials.
    unauthenticated_pod_read: bool,
    /// AKS query-free paths refused (401, or 403 to anonymous).
    aks_refused: BTreeSet<String>,
}

impl AuditTally {
    /// Count one record.
    pub(crate) fn add(&mut self, r: &Req, c: &Cluster) {
        let kind = c.users[r.user].kind;
        let anonymous = kind == UserKind::Anonymous;
        if anonymous && r.code == 403 {
            self.anonymous_refused += 1;
        }
        if anonymous && (r.decision == Decision::Allow || r.code < 400) && !public_path(&r.uri) {
            self.anonymous_allowed = true;
        }
        if kind == UserKind::Authenticated && r.verb == "create" && r.code == 403 && r.decision != Decision::Allow {
            self.forbidden_create = true;
        }
        if anonymous
            && r.resource.is_empty()
            && !r.ua.eq_ignore_ascii_case("AWS Security Scanner")
            && discovery_path(&r.uri)
        {
            self.discovery.insert(r.uri.clone());
        }
        if anonymous && r.verb == "list" && r.resource == "pods" {
            self.anonymous_pod_list = true;
        }
        let unauthenticated = anonymous || r.code == 401;
        if unauthenticated && matches!(r.code, 401 | 403) && r.src_ip != "127.0.0.1" && r.src_ip != "::1" {
            let mut name = Vec::new();
            crate::audit::push_resource(&mut name, r);
            if !name.is_empty() {
                self.gke_refused.insert(String::from_utf8_lossy(&name).into_owned());
            }
        }
        if unauthenticated
            && r.resource == "pods"
            && r.group.is_empty()
            && r.subresource.is_empty()
            && matches!(r.verb, "list" | "watch" | "get")
        {
            self.unauthenticated_pod_read = true;
        }
        if r.code == 401 || (anonymous && r.code == 403) {
            self.aks_refused.insert(r.path_only().to_owned());
        }
    }

    /// The rules that report these records in `format`.
    pub(crate) fn rules(&self, format: Format) -> Vec<Rule> {
        let mut rules = Vec::new();
        match format {
            Format::Raw | Format::EventList => {
                if self.anonymous_refused > 5 {
                    rules.push(Rule::UnauthenticatedApiSweep);
                }
                if self.anonymous_allowed {
                    rules.push(Rule::AnonymousApiAccessAllowed);
                }
                if self.forbidden_create {
                    rules.push(Rule::ForbiddenCreateAttempt);
                }
            }
            Format::Eks => {
                if self.discovery.len() >= 2 {
                    rules.push(Rule::EksAnonymousClusterDiscovery);
                }
                if self.anonymous_pod_list {
                    rules.push(Rule::EksAnonymousPodListing);
                }
            }
            Format::Gke => {
                if self.gke_refused.len() >= 3 {
                    rules.push(Rule::GkeUnauthenticatedClusterScan);
                }
                if self.unauthenticated_pod_read {
                    rules.push(Rule::GkeUnauthenticatedPodEnumeration);
                }
            }
            Format::Aks => {
                if self.aks_refused.len() >= 3 {
                    rules.push(Rule::AksUnauthenticatedClusterScan);
                }
                if self.unauthenticated_pod_read {
                    rules.push(Rule::AksUnauthenticatedPodEnumeration);
                }
            }
            Format::Events | Format::Sck => {}
        }
        rules
    }
}

/// An image reference split as the image detections split it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ImageRef {
    /// Without tag or digest.
    pub(crate) repo: String,
    /// The last path segment of `repo`.
    pub(crate) name: String,
    /// Registry host, lower case, without port; `docker.io` when none is written.
    pub(crate) registry_host: String,
}

impl ImageRef {
    pub(crate) fn parse(image: &str) -> ImageRef {
        let mut repo = image;
        if let Some(at) = repo.rfind('@') {
            let digest = &repo[at + 1..];
            if let Some((algo, hex)) = digest.split_once(':')
                && !algo.is_empty()
                && !hex.is_empty()
                && hex.bytes().all(|b| b.is_ascii_hexdigit())
            {
                repo = &repo[..at];
            }
        }
        if let Some(colon) = repo.rfind(':') {
            let tag = &repo[colon + 1..];
            let ok = tag
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
                && tag
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
            if ok {
                repo = &repo[..colon];
            }
        }
        let name = repo.rsplit('/').next().unwrap_or(repo).to_owned();
        let first = repo.split('/').next().unwrap_or("");
        let registry = if repo.contains('/') && (first == "localhost" || first.contains('.') || first.contains(':')) {
            first
        } else {
            "docker.io"
        };
        let host = registry
            .rsplit_once(':')
            .map_or(registry, |(h, _)| h)
            .to_ascii_lowercase();
        ImageRef {
            repo: repo.to_owned(),
            name,
            registry_host: host,
        }
    }

    /// Whether the `kube_scanner_images` macro names it.
    pub(crate) fn is_scanner(&self) -> bool {
        const NAMES: &[&str] = &[
            "kube-hunter",
            "kube-bench",
            "kube-recon",
            "peirates",
            "kubescape",
            "kubeaudit",
            "kubesec",
            "kube-scan",
            "kubiscan",
            "rbac-police",
            "kdigger",
            "kubestriker",
            "amicontained",
        ];
        const REPOS: &[&str] = &["appvia/krane", "derailed/popeye", "brompwnie/botb"];
        let name = self.name.to_ascii_lowercase();
        let repo = self.repo.to_ascii_lowercase();
        NAMES.contains(&name.as_str())
            || REPOS
                .iter()
                .any(|r| repo == *r || repo.strip_suffix(r).is_some_and(|p| p.ends_with('/')))
    }

    /// Whether Kubernetes Suspicious Image Pull flags it.
    pub(crate) fn is_suspicious(&self) -> bool {
        let h = &self.registry_host;
        let octets: Vec<&str> = h.split('.').collect();
        let dotted = octets.len() == 4
            && octets
                .iter()
                .all(|o| (1..=3).contains(&o.len()) && o.bytes().all(|b| b.is_ascii_digit()));
        if dotted {
            let o: Vec<u32> = octets.iter().map(|x| x.parse().unwrap_or(0)).collect();
            let private = o[0] == 10
                || (o[0] == 172 && (16..32).contains(&o[1]))
                || (o[0] == 192 && o[1] == 168)
                || o[0] == 127
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 169 && o[1] == 254);
            if !private {
                return true;
            }
        }
        let tunnels = [
            ".ngrok.io",
            ".ngrok.app",
            ".ngrok-free.app",
            ".trycloudflare.com",
            ".loca.lt",
            ".serveo.net",
        ];
        let name = self.name.to_ascii_lowercase();
        h == "ttl.sh"
            || tunnels.iter().any(|t| h.ends_with(t))
            || name.contains("xmrig")
            || name.contains("xmr-stak")
            || name.contains("cpuminer")
    }
}

/// The image a pull event's message names (`image "…"`), for the reasons the image rules read.
pub(crate) fn pulled_image(e: &ObjEv) -> Option<&str> {
    if !matches!(e.reason, "Pulling" | "Pulled" | "Failed" | "BackOff") {
        return None;
    }
    let lower = e.message.to_ascii_lowercase();
    let at = lower.find("image \"")?;
    let rest = &e.message[at + 7..];
    let end = rest.find('"')?;
    (end > 0).then(|| &rest[..end])
}

/// What one attack instance's object events add up to.
#[derive(Clone, Debug, Default)]
pub(crate) struct ObjectTally {
    scanner: bool,
    suspicious: bool,
}

impl ObjectTally {
    /// Count one event.
    pub(crate) fn add(&mut self, e: &ObjEv) {
        if let Some(image) = pulled_image(e) {
            let r = ImageRef::parse(image);
            self.scanner |= r.is_scanner();
            self.suspicious |= r.is_suspicious();
        }
    }

    /// The rules that report these events (every format carries object events).
    pub(crate) fn rules(&self) -> Vec<Rule> {
        let mut rules = Vec::new();
        if self.scanner {
            rules.push(Rule::SecurityScannerImagePull);
        }
        if self.suspicious {
            rules.push(Rule::SuspiciousImagePull);
        }
        rules
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references_split_like_the_rules_split_them() {
        let r = ImageRef::parse("aquasec/kube-hunter:0.6.8");
        assert_eq!(
            (r.repo.as_str(), r.name.as_str(), r.registry_host.as_str()),
            ("aquasec/kube-hunter", "kube-hunter", "docker.io")
        );
        assert!(r.is_scanner() && !r.is_suspicious());
        let r = ImageRef::parse("45.9.148.108:5000/sys/kworker:latest");
        assert_eq!(r.repo, "45.9.148.108:5000/sys/kworker");
        assert_eq!(r.registry_host, "45.9.148.108");
        assert!(r.is_suspicious());
        assert!(!ImageRef::parse("10.16.0.30:5000/shop/api:1.2.3").is_suspicious());
        assert!(ImageRef::parse("ttl.sh/0b5c7e1a:1h").is_suspicious());
        assert!(ImageRef::parse("xmrig/xmrig:6.21.0").is_suspicious());
        assert!(ImageRef::parse("quay.io/derailed/popeye@sha256:abcdef01").is_scanner());
        assert!(!ImageRef::parse("mirror.gcr.io/aquasec/trivy:0.53.0").is_scanner());
        assert!(!ImageRef::parse("example/kube-hunter-exporter:1").is_scanner());
        let r = ImageRef::parse("registry.k8s.io/coredns/coredns:v1.11.1");
        assert_eq!(r.registry_host, "registry.k8s.io");
        assert!(!r.is_scanner() && !r.is_suspicious());
    }

    #[test]
    fn public_and_discovery_paths() {
        for p in [
            "/healthz",
            "/livez?verbose",
            "/readyz/etcd",
            "/version",
            "/version?timeout=32s",
        ] {
            assert!(public_path(p), "{p}");
        }
        for p in ["/healthzx", "/api", "/metrics", "/"] {
            assert!(!public_path(p), "{p}");
        }
        for p in [
            "/",
            "/api",
            "/api/v1",
            "/apis/apps/v1",
            "/version",
            "/openapi/v2",
            "/swagger.json",
            "/metrics",
        ] {
            assert!(discovery_path(p), "{p}");
        }
        for p in ["/healthz", "/logs", "/.env"] {
            assert!(!discovery_path(p), "{p}");
        }
    }
}
