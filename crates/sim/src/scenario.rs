//! The attack scenarios: what each one does, and how one instance of it is generated.
//!
//! An instance is generated whole when its start time comes: its audit requests and object
//! events, with their times, go into the simulator's queue and come out among the background as
//! time passes. Attackers on the internet get public addresses from [`IpPool`], spread over
//! hosting, ISP and cloud ranges of many countries and never reused within a run; what happens
//! inside a cluster (a compromised pod, a kubelet pulling an image) keeps the cluster's private
//! addresses.

use std::collections::HashSet;

use crate::audit::Req;
use crate::model::{
    ANONYMOUS, CLUSTERROLEBINDINGS, CLUSTERROLES, CONFIGMAPS, CRONJOBS, Cluster, DAEMONSETS, DEPLOYMENTS, JOBS,
    NAMESPACES, NODES, PODS, ROLEBINDINGS, ROLES, Res, SECRETS, SELFSUBJECTRULESREVIEWS, SERVICEACCOUNTS, SERVICES,
    UNAUTHENTICATED, hex, rbac_reason, suffix,
};
use crate::objects::{ObjEv, Reporter};
use crate::rng::Rng;

/// An attack scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Scenario {
    /// An internet scanner sweeps the API server without credentials: kube-hunter's request
    /// sequence (`/`, `/version`, `/api`, namespaces, roles, cluster roles, pods; user agent
    /// `python-requests`) or a generic scanner trying 7–12 paths. Anonymous, refused with 403
    /// except `/version`.
    ScannerSweep,
    /// An address lists pods cluster-wide without credentials one to four times (refused).
    AnonymousPodListing,
    /// A cluster where a forgotten RoleBinding lets `system:anonymous` read one namespace: the
    /// caller lists its pods, services and config maps (200) and is refused elsewhere.
    AnonymousAccessAllowed,
    /// A crawler fingerprints the API server: `/version` (allowed) and three or four discovery
    /// documents (`/openapi/v2`, `/.well-known/openid-configuration`, `/metrics`, ...), refused.
    ClusterDiscovery,
    /// A caller with a forged or expired token walks three to six API paths and gets 401 on each.
    InvalidTokenProbe,
    /// A compromised pod's service account checks its permissions, then tries to create pods,
    /// role bindings, tokens, exec sessions, cron jobs ... and is refused (403) several times in a
    /// few minutes.
    ForbiddenCreate,
    /// Someone runs a Kubernetes attack or audit tool in the cluster (kube-hunter, kube-bench,
    /// kubescape, peirates, ...): the pod is created, scheduled, and its node pulls the image
    /// (`Pulling`/`Pulled` events).
    ScannerImagePull,
    /// A pod's image comes from a registry on a public IP address, ttl.sh, a tunnel (ngrok,
    /// trycloudflare), or is a cryptocurrency miner; the pull succeeds or fails and backs off.
    SuspiciousImagePull,
}

impl Scenario {
    /// Every scenario, in documentation order.
    pub const ALL: [Scenario; 8] = [
        Scenario::ScannerSweep,
        Scenario::AnonymousPodListing,
        Scenario::AnonymousAccessAllowed,
        Scenario::ClusterDiscovery,
        Scenario::InvalidTokenProbe,
        Scenario::ForbiddenCreate,
        Scenario::ScannerImagePull,
        Scenario::SuspiciousImagePull,
    ];

    /// The name used on the command line and in labels.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Scenario::ScannerSweep => "scanner-sweep",
            Scenario::AnonymousPodListing => "anonymous-pod-listing",
            Scenario::AnonymousAccessAllowed => "anonymous-access-allowed",
            Scenario::ClusterDiscovery => "cluster-discovery",
            Scenario::InvalidTokenProbe => "invalid-token-probe",
            Scenario::ForbiddenCreate => "forbidden-create",
            Scenario::ScannerImagePull => "scanner-image-pull",
            Scenario::SuspiciousImagePull => "suspicious-image-pull",
        }
    }

    /// The scenario with this [`Scenario::name`].
    #[must_use]
    pub fn from_name(name: &str) -> Option<Scenario> {
        Scenario::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Whether its evidence is object events (image pulls) rather than audit events. Only these
    /// scenarios appear in the `events` and `sck` formats.
    #[must_use]
    pub fn is_object_scenario(self) -> bool {
        matches!(self, Scenario::ScannerImagePull | Scenario::SuspiciousImagePull)
    }
}

/// Public addresses for attackers and attacker registries, none used twice in a run.
#[derive(Debug, Default)]
pub(crate) struct IpPool {
    used: HashSet<u32>,
}

/// First two octets of public ranges (hosting, ISPs and clouds in many countries) that internet
/// scanners are commonly seen from. Never private, shared, loopback, link-local or documentation
/// space.
const PUBLIC_PREFIXES: &[(u8, u8)] = &[
    (45, 155),
    (45, 9),
    (185, 220),
    (185, 191),
    (193, 142),
    (194, 26),
    (195, 178),
    (89, 248),
    (80, 82),
    (141, 98),
    (5, 188),
    (91, 92),
    (176, 111),
    (212, 70),
    (61, 177),
    (218, 92),
    (222, 186),
    (112, 85),
    (117, 50),
    (121, 43),
    (123, 160),
    (180, 101),
    (43, 156),
    (43, 134),
    (101, 36),
    (103, 145),
    (103, 212),
    (167, 94),
    (162, 142),
    (71, 6),
    (198, 235),
    (205, 210),
    (147, 185),
    (64, 62),
    (104, 248),
    (138, 68),
    (159, 203),
    (143, 198),
    (35, 203),
    (34, 140),
    (20, 163),
    (52, 166),
    (3, 129),
    (177, 54),
    (186, 209),
    (200, 98),
    (190, 12),
    (41, 216),
    (102, 165),
    (197, 210),
    (14, 225),
    (27, 72),
    (59, 126),
    (110, 42),
    (118, 36),
    (122, 51),
    (175, 45),
    (1, 234),
    (211, 36),
    (77, 90),
    (78, 128),
    (79, 124),
    (82, 165),
    (87, 236),
    (92, 63),
    (94, 102),
    (95, 214),
];

impl IpPool {
    /// A public address not handed out before.
    pub(crate) fn public(&mut self, rng: &mut Rng) -> String {
        loop {
            let &(a, b) = rng.pick(PUBLIC_PREFIXES);
            let c = rng.below(256) as u8;
            let d = 1 + rng.below(254) as u8;
            let n = u32::from_be_bytes([a, b, c, d]);
            if self.used.insert(n) {
                return format!("{a}.{b}.{c}.{d}");
            }
        }
    }
}

/// One record of an instance, with the time it is written.
#[derive(Debug)]
pub(crate) enum Item {
    Audit(Box<Req>),
    Object(Box<ObjEv>),
}

/// A generated attack instance.
#[derive(Debug)]
pub(crate) struct Instance {
    pub(crate) scenario: Scenario,
    pub(crate) cluster: usize,
    /// The field the detections report and its value.
    pub(crate) entity: (&'static str, String),
    /// The tool or actor, for the label.
    pub(crate) tool: String,
    pub(crate) user_agent: String,
    pub(crate) items: Vec<(i64, Item)>,
}

/// What generating an instance needs.
pub(crate) struct Gen<'a> {
    pub(crate) rng: &'a mut Rng,
    pub(crate) cluster: &'a Cluster,
    pub(crate) cluster_index: usize,
    pub(crate) ips: &'a mut IpPool,
    /// Start time, nanoseconds.
    pub(crate) start: i64,
    /// Time scale of the scenario's pauses, per mille (short runs squeeze attacks).
    pub(crate) pace: i64,
    pub(crate) audit: bool,
    pub(crate) objects: bool,
    pub(crate) resource_version: &'a mut u64,
    /// Milliseconds since `start` of the next record.
    clock_ms: i64,
    items: Vec<(i64, Item)>,
}

/// A request of an instance, under construction.
struct Step {
    req: Req,
}

impl Step {
    fn target(mut self, res: Res, ns: &str, name: &str, sub: &'static str) -> Self {
        self.req.target(res, ns, name, sub);
        self
    }
    fn path(mut self, p: &str) -> Self {
        self.req.path(p);
        self
    }
    fn query(mut self, q: &str) -> Self {
        self.req.uri.push_str(q);
        self
    }
}

const KUBE_HUNTER_PATHS: &[(&str, &str)] = &[
    ("get", "/"),
    ("get", "/"),
    ("get", "/version"),
    ("get", "/api"),
    ("list", "namespaces"),
    ("list", "roles"),
    ("list", "clusterroles"),
    ("list", "pods"),
];

const SCANNER_UAS: &[&str] = &[
    "Go-http-client/1.1",
    "Mozilla/5.0 zgrab/0.x",
    "curl/7.68.0",
    "python-requests/2.25.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "l9tcpid/v1.1.0",
];

const CRAWLER_UAS: &[&str] = &[
    "Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)",
    "Expanse, a Palo Alto Networks company, searches across the global IPv4 space multiple times per day to identify customers' presences on the Internet. If you would like to be excluded from our scans, please contact us at scaninfo@paloaltonetworks.com",
    "Mozilla/5.0 zgrab/0.x",
    "Go-http-client/1.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/117.0.0.0 Safari/537.36",
];

const DISCOVERY_DOCS: &[&str] = &[
    "/api",
    "/apis",
    "/openapi/v2",
    "/openapi/v3",
    "/.well-known/openid-configuration",
    "/openid/v1/jwks",
    "/metrics",
    "/swagger.json",
    "/swagger-ui/",
];

/// Scanner images: (image, container name, namespace or "" for an application namespace).
const SCANNER_IMAGES: &[(&str, &str, &str)] = &[
    ("aquasec/kube-hunter:0.6.8", "kube-hunter", "default"),
    ("aquasec/kube-hunter:aqua", "kube-hunter", "default"),
    ("docker.io/aquasec/kube-bench:v0.8.0", "kube-bench", "default"),
    (
        "public.ecr.aws/aquasecurity/kube-bench:v0.7.3",
        "kube-bench",
        "kube-system",
    ),
    ("quay.io/kubescape/kubescape:v3.0.9", "kubescape", "kubescape"),
    ("octarinesec/kube-recon:latest", "kube-recon", ""),
    ("ghcr.io/inguardians/peirates:v1.1.24", "peirates", ""),
    ("shopify/kubeaudit:v0.22.1", "kubeaudit", "default"),
    ("kubesec/kubesec:v2.14.0", "kubesec", "default"),
    ("derailed/popeye:v0.21.3", "popeye", "default"),
    ("cyberark/kubiscan:latest", "kubiscan", "default"),
    ("brompwnie/botb:latest", "botb", ""),
    ("r.j3ss.co/amicontained:latest", "amicontained", ""),
];

impl<'a> Gen<'a> {
    #[allow(clippy::too_many_arguments)] // the context of one instance, assembled in one place
    pub(crate) fn new(
        rng: &'a mut Rng,
        cluster: &'a Cluster,
        cluster_index: usize,
        ips: &'a mut IpPool,
        start: i64,
        pace: i64,
        audit: bool,
        objects: bool,
        resource_version: &'a mut u64,
    ) -> Self {
        Gen {
            rng,
            cluster,
            cluster_index,
            ips,
            start,
            pace,
            audit,
            objects,
            resource_version,
            clock_ms: 0,
            items: Vec::new(),
        }
    }

    /// Let `lo..=hi` milliseconds (scaled by the pace) pass.
    fn pause(&mut self, lo: u64, hi: u64) {
        let ms = self.rng.range(lo, hi) as i64;
        self.clock_ms += (ms * self.pace / 1000).max(1);
    }

    fn now(&self) -> i64 {
        self.start + self.clock_ms * 1_000_000
    }

    /// A new request from `user` at `ip` with `ua`.
    fn step(&mut self, user: usize, verb: &'static str, ip: &str, ua: &str) -> Step {
        let mut req = Req::default();
        req.reset(self.cluster_index, self.rng.uuid(), user, verb);
        req.src_ip.push_str(ip);
        req.ua.push_str(ua);
        Step { req }
    }

    /// Record a request answered with `code` (allowed, with the user's own RBAC reason or
    /// `reason`), or refused (403), or unauthenticated (401).
    fn send(&mut self, step: Step, code: u16, reason: Option<&str>) {
        let mut req = step.req;
        match code {
            401 => req.unauthorized(),
            403 => req.forbid(),
            _ => {
                let r = reason.map_or_else(|| self.cluster.users[req.user].allow_reason.clone(), str::to_owned);
                req.allow(code, &r);
            }
        }
        let completed = self.now();
        req.completed = completed;
        req.received = completed - self.rng.range(800_000, 12_000_000) as i64;
        if self.audit {
            self.items.push((completed, Item::Audit(Box::new(req))));
        }
    }

    /// Record a kubelet or scheduler event about a pod.
    #[allow(clippy::too_many_arguments)] // the fields of one event
    fn event(
        &mut self,
        pod: &PodRef,
        reporter: Reporter,
        reason: &'static str,
        message: String,
        warning: bool,
        count: u32,
    ) -> [u8; 16] {
        *self.resource_version += 1 + self.rng.below(40);
        let uid = self.rng.uuid();
        let (host, container) = match reporter {
            Reporter::Scheduler => (self.cluster.scheduler_instance.clone(), String::new()),
            _ => (pod.node.clone(), pod.container.clone()),
        };
        let ev = ObjEv {
            uid,
            name_suffix: self.rng.next_u64(),
            resource_version: *self.resource_version,
            namespace: pod.namespace.clone(),
            kind: "Pod",
            api_version: "v1",
            object: pod.name.clone(),
            object_uid: pod.uid,
            container,
            reason,
            message,
            warning,
            reporter,
            host,
            count,
            time: self.now(),
            watch_type: if count > 1 { "MODIFIED" } else { "ADDED" },
        };
        if self.objects {
            self.items.push((ev.time, Item::Object(Box::new(ev))));
        }
        uid
    }

    fn finish(self, scenario: Scenario, entity: (&'static str, String), tool: String, ua: String) -> Instance {
        let mut items = self.items;
        items.sort_by_key(|(t, _)| *t);
        Instance {
            scenario,
            cluster: self.cluster_index,
            entity,
            tool,
            user_agent: ua,
            items,
        }
    }

    /// Generate one instance of `scenario`.
    pub(crate) fn run(self, scenario: Scenario) -> Instance {
        match scenario {
            Scenario::ScannerSweep => self.scanner_sweep(),
            Scenario::AnonymousPodListing => self.anonymous_pod_listing(),
            Scenario::AnonymousAccessAllowed => self.anonymous_access_allowed(),
            Scenario::ClusterDiscovery => self.cluster_discovery(),
            Scenario::InvalidTokenProbe => self.invalid_token_probe(),
            Scenario::ForbiddenCreate => self.forbidden_create(),
            Scenario::ScannerImagePull => self.image_pull(true),
            Scenario::SuspiciousImagePull => self.image_pull(false),
        }
    }

    /// An anonymous request for a resource list or a path, by name: `namespaces`, `roles`,
    /// `clusterroles`, `pods`, `secrets`, `nodes`, `deployments`, `clusterrolebindings`, or a
    /// path starting with `/`.
    fn anonymous(&mut self, verb: &'static str, what: &str, ip: &str, ua: &str) -> Step {
        let s = self.step(ANONYMOUS, verb, ip, ua);
        match what {
            "namespaces" => s.target(NAMESPACES, "", "", ""),
            "roles" => s.target(ROLES, "", "", ""),
            "clusterroles" => s.target(CLUSTERROLES, "", "", ""),
            "clusterrolebindings" => s.target(CLUSTERROLEBINDINGS, "", "", ""),
            "pods" => s.target(PODS, "", "", ""),
            "secrets" => s.target(SECRETS, "", "", ""),
            "nodes" => s.target(NODES, "", "", ""),
            "deployments" => s.target(DEPLOYMENTS, "", "", ""),
            "kube-system-secrets" => s.target(SECRETS, "kube-system", "", ""),
            path => s.path(path),
        }
    }

    fn scanner_sweep(mut self) -> Instance {
        let ip = self.ips.public(self.rng);
        let kube_hunter = self.rng.percent(60);
        let (tool, ua) = if kube_hunter {
            (
                "kube-hunter".to_owned(),
                format!("python-requests/2.{}.{}", self.rng.range(28, 32), self.rng.below(4)),
            )
        } else {
            ("internet scanner".to_owned(), (*self.rng.pick(SCANNER_UAS)).to_owned())
        };
        let mut plan: Vec<(&'static str, &'static str)> = Vec::new();
        if kube_hunter {
            let rounds = if self.rng.percent(30) { 2 } else { 1 };
            for _ in 0..rounds {
                plan.extend_from_slice(KUBE_HUNTER_PATHS);
            }
        } else {
            let mut pool: Vec<(&'static str, &'static str)> = vec![
                ("get", "/"),
                ("get", "/api"),
                ("get", "/apis"),
                ("list", "pods"),
                ("list", "secrets"),
                ("list", "nodes"),
                ("list", "namespaces"),
                ("list", "deployments"),
                ("list", "clusterrolebindings"),
                ("list", "kube-system-secrets"),
                ("get", "/metrics"),
                ("get", "/openapi/v2"),
                ("get", "/logs"),
                ("get", "/.env"),
                ("get", "/debug/pprof/"),
                ("get", "/ui/"),
            ];
            self.rng.shuffle(&mut pool);
            let n = self.rng.range(7, 12) as usize;
            plan.push(("get", "/version"));
            plan.extend(pool.into_iter().take(n));
            self.rng.shuffle(&mut plan);
        }
        for (verb, what) in plan {
            let step = self.anonymous(verb, what, &ip, &ua);
            if what == "/version" {
                self.send(step, 200, None);
            } else {
                self.send(step, 403, None);
            }
            self.pause(40, 900);
        }
        self.finish(Scenario::ScannerSweep, ("src_ip", ip), tool, ua)
    }

    fn anonymous_pod_listing(mut self) -> Instance {
        let ip = self.ips.public(self.rng);
        let ua = (*self.rng.pick(&[
            "curl/8.5.0",
            "python-requests/2.31.0",
            "Go-http-client/1.1",
            "kubectl/v1.29.1 (linux/amd64) kubernetes/bc401b9",
        ]))
        .to_owned();
        for _ in 0..self.rng.range(1, 4) {
            let mut step = self.anonymous("list", "pods", &ip, &ua);
            if self.rng.percent(40) {
                step = step.query("?limit=500");
            }
            self.send(step, 403, None);
            self.pause(500, 20_000);
        }
        self.finish(
            Scenario::AnonymousPodListing,
            ("src_ip", ip),
            "pod lister".to_owned(),
            ua,
        )
    }

    fn anonymous_access_allowed(mut self) -> Instance {
        let ip = self.ips.public(self.rng);
        let ua = (*self.rng.pick(&[
            "python-requests/2.31.0",
            "kubectl/v1.29.0 (linux/amd64) kubernetes/3f7a50f",
            "curl/8.4.0",
        ]))
        .to_owned();
        let ns = self.cluster.exposed_namespace;
        let reason = rbac_reason(
            "RoleBinding",
            &format!("grafana-public/{ns}"),
            "ClusterRole",
            "view",
            "User \"system:anonymous\"",
        );
        let step = self.anonymous("get", "/version", &ip, &ua);
        self.send(step, 200, None);
        self.pause(200, 2000);
        if self.rng.percent(70) {
            let step = self.anonymous("get", "/api", &ip, &ua);
            self.send(step, 403, None);
            self.pause(200, 2000);
        }
        let step = self.anonymous("list", "pods", &ip, &ua);
        self.send(step, 403, None);
        self.pause(500, 5000);
        let reads: &[Res] = &[PODS, SERVICES, CONFIGMAPS];
        for &res in reads {
            if res.resource != "pods" && self.rng.percent(30) {
                continue;
            }
            let step = self.step(ANONYMOUS, "list", &ip, &ua).target(res, ns, "", "");
            self.send(step, 200, Some(&reason));
            self.pause(300, 4000);
        }
        if self.rng.percent(60) {
            let step = self
                .step(ANONYMOUS, "get", &ip, &ua)
                .target(CONFIGMAPS, ns, "grafana-datasources", "");
            self.send(step, 200, Some(&reason));
            self.pause(300, 4000);
        }
        let step = self.step(ANONYMOUS, "list", &ip, &ua).target(SECRETS, ns, "", "");
        self.send(step, 403, None);
        self.finish(
            Scenario::AnonymousAccessAllowed,
            ("src_ip", ip),
            "anonymous reader".to_owned(),
            ua,
        )
    }

    fn cluster_discovery(mut self) -> Instance {
        let ip = self.ips.public(self.rng);
        let ua = (*self.rng.pick(CRAWLER_UAS)).to_owned();
        let mut docs: Vec<&str> = DISCOVERY_DOCS.to_vec();
        self.rng.shuffle(&mut docs);
        let n = self.rng.range(3, 4) as usize;
        let mut plan: Vec<&str> = docs.into_iter().take(n).collect();
        plan.push("/version");
        if self.rng.percent(50) {
            plan.push("/");
        }
        self.rng.shuffle(&mut plan);
        for path in plan {
            let step = self.anonymous("get", path, &ip, &ua);
            let code = if path == "/version" { 200 } else { 403 };
            self.send(step, code, None);
            self.pause(200, 3000);
        }
        self.finish(Scenario::ClusterDiscovery, ("src_ip", ip), "crawler".to_owned(), ua)
    }

    fn invalid_token_probe(mut self) -> Instance {
        let ip = self.ips.public(self.rng);
        let ua = (*self.rng.pick(&[
            "Go-http-client/1.1",
            "kubectl/v1.27.3 (linux/amd64) kubernetes/25b4e43",
            "python-requests/2.31.0",
        ]))
        .to_owned();
        let mut pool: Vec<(&'static str, Res, &'static str)> = vec![
            ("list", SECRETS, ""),
            ("list", NODES, ""),
            ("list", CONFIGMAPS, ""),
            ("list", PODS, ""),
            ("list", SERVICEACCOUNTS, ""),
            ("list", NAMESPACES, ""),
            ("list", DEPLOYMENTS, ""),
            ("list", SECRETS, "kube-system"),
        ];
        self.rng.shuffle(&mut pool);
        let n = self.rng.range(3, 6) as usize;
        for (verb, res, ns) in pool.into_iter().take(n) {
            let step = self.step(UNAUTHENTICATED, verb, &ip, &ua).target(res, ns, "", "");
            self.send(step, 401, None);
            self.pause(100, 2000);
        }
        self.finish(
            Scenario::InvalidTokenProbe,
            ("src_ip", ip),
            "stale token".to_owned(),
            ua,
        )
    }

    fn forbidden_create(mut self) -> Instance {
        let c = self.cluster;
        let pod = &c.pods[self.rng.index(c.pods.len())];
        let user = pod.user;
        let ip = pod.ip.clone();
        let ns = pod.namespace.clone();
        let ua = (*self.rng.pick(&[
            "kubectl/v1.30.2 (linux/amd64) kubernetes/39683505",
            "kubectl/v1.30.2 (linux/amd64) kubernetes/39683505",
            "curl/7.88.1",
        ]))
        .to_owned();
        let basic = rbac_reason(
            "ClusterRoleBinding",
            "system:basic-user",
            "ClusterRole",
            "system:basic-user",
            "Group \"system:authenticated\"",
        );
        let step = self
            .step(user, "create", &ip, &ua)
            .target(SELFSUBJECTRULESREVIEWS, "", "", "");
        self.send(step, 201, Some(&basic));
        self.pause(2_000, 20_000);
        let step = self
            .step(user, "get", &ip, &ua)
            .target(CONFIGMAPS, &ns, &pod.container, "");
        self.send(step, 200, None);
        self.pause(2_000, 20_000);
        let system_pod = c.system_pods[self.rng.index(c.system_pods.len())].clone();
        // The container is the pod's name without its generated suffixes.
        let container = ["coredns", "metrics-server", "kube-proxy"]
            .into_iter()
            .find(|p| system_pod.starts_with(p))
            .unwrap_or("main");
        let attempts: Vec<Box<dyn Fn(Step) -> Step>> = vec![
            Box::new(|s: Step| s.target(PODS, "kube-system", "", "")),
            Box::new(|s: Step| s.target(CLUSTERROLEBINDINGS, "", "", "")),
            Box::new(|s: Step| s.target(ROLEBINDINGS, "kube-system", "", "")),
            Box::new(|s: Step| s.target(SERVICEACCOUNTS, "kube-system", "default", "token")),
            Box::new(move |s: Step| {
                let query = format!("?command=sh&container={container}&stdin=true&stdout=true&tty=true");
                s.target(PODS, "kube-system", &system_pod, "exec").query(&query)
            }),
            Box::new(|s: Step| s.target(DAEMONSETS, "kube-system", "", "")),
            Box::new(|s: Step| s.target(CRONJOBS, "default", "", "")),
            Box::new(|s: Step| s.target(CLUSTERROLES, "", "", "")),
            Box::new(|s: Step| s.target(JOBS, "kube-system", "", "")),
        ];
        let mut order: Vec<usize> = (0..attempts.len()).collect();
        self.rng.shuffle(&mut order);
        let n = self.rng.range(3, 6) as usize;
        for (k, &i) in order.iter().take(n).enumerate() {
            let step = attempts[i](self.step(user, "create", &ip, &ua));
            self.send(step, 403, None);
            self.pause(3_000, 40_000);
            if k == 1 && self.rng.percent(60) {
                let step = self.step(user, "list", &ip, &ua).target(SECRETS, "kube-system", "", "");
                self.send(step, 403, None);
                self.pause(3_000, 40_000);
            }
        }
        let name = c.users[user].name.clone();
        self.finish(
            Scenario::ForbiddenCreate,
            ("user", name),
            "compromised pod".to_owned(),
            ua,
        )
    }

    /// A pod running `image` is created by `actor`, scheduled on `node`, and the image pulled.
    fn image_pull(mut self, scanner: bool) -> Instance {
        let c = self.cluster;
        let node = &c.nodes[self.rng.index(c.nodes.len())];
        let (image, container, namespace, tool) = if scanner {
            let &(image, container, ns) = self.rng.pick(SCANNER_IMAGES);
            let ns = if ns.is_empty() {
                c.app_namespaces[self.rng.index(c.app_namespaces.len())].clone()
            } else {
                ns.to_owned()
            };
            (image.to_owned(), container.to_owned(), ns, container.to_owned())
        } else {
            let ns = c.app_namespaces[self.rng.index(c.app_namespaces.len())].clone();
            let (image, container, tool) = match self.rng.below(5) {
                0 => {
                    let ip = self.ips.public(self.rng);
                    let port = *self.rng.pick(&[5000u16, 8080, 443, 5001]);
                    let path = *self
                        .rng
                        .pick(&["sys/kworker-update", "library/nginx", "tools/netcheck", "x/agent"]);
                    (
                        format!("{ip}:{port}/{path}:latest"),
                        "agent".to_owned(),
                        "public-IP registry",
                    )
                }
                1 => (
                    format!(
                        "ttl.sh/{}:{}",
                        crate::text::uuid_string(&self.rng.uuid()),
                        self.rng.pick(&["1h", "2h", "24h"])
                    ),
                    "job".to_owned(),
                    "ttl.sh",
                ),
                2 => {
                    let ip = self.ips.public(self.rng).replace('.', "-");
                    (
                        format!("{}-{ip}.ngrok-free.app/tools/shell:latest", hex(self.rng, 4)),
                        "shell".to_owned(),
                        "ngrok tunnel",
                    )
                }
                3 => {
                    let words = [
                        "gentle", "river", "quiet", "harbor", "ocean", "silver", "maple", "stone",
                    ];
                    (
                        format!(
                            "{}-{}-{}.trycloudflare.com/img/runner:v2",
                            self.rng.pick(&words),
                            self.rng.pick(&words),
                            self.rng.pick(&words)
                        ),
                        "runner".to_owned(),
                        "cloudflare tunnel",
                    )
                }
                _ => {
                    let image = *self.rng.pick(&[
                        "xmrig/xmrig:6.21.0",
                        "metal3d/xmrig:latest",
                        "docker.io/miningcontainers/cpuminer-opt:latest",
                    ]);
                    (image.to_owned(), "worker".to_owned(), "cryptominer")
                }
            };
            (image, container, ns, tool.to_owned())
        };
        let pod_name = if scanner {
            format!("{container}-{}", suffix(self.rng, 5))
        } else {
            format!("{}-{}-{}", container, suffix(self.rng, 10), suffix(self.rng, 5))
        };
        let pod = PodRef {
            namespace: namespace.clone(),
            name: pod_name.clone(),
            uid: self.rng.uuid(),
            node: node.name.clone(),
            container: container.clone(),
        };
        // The create, by an administrator (scanners) or a stolen CI identity (suspicious images).
        let (actor_user, actor_ip, actor_ua) = if scanner {
            let h = &c.humans[self.rng.index(c.humans.len().clamp(1, 2))];
            (h.user, h.ip.clone(), h.ua.clone())
        } else {
            let b = &c.bots[0];
            (
                b.user,
                b.ip.clone(),
                "kubectl/v1.30.2 (linux/amd64) kubernetes/39683505".to_owned(),
            )
        };
        let step = self
            .step(actor_user, "create", &actor_ip, &actor_ua)
            .target(PODS, &namespace, "", "")
            .query("?fieldManager=kubectl-run");
        self.send(step, 201, None);
        self.pause(100, 600);
        let cp = c.control_plane_ip.clone();
        let sched_ua = format!(
            "kube-scheduler/{} (linux/amd64) kubernetes/{}/scheduler",
            crate::model::K8S_VERSION,
            crate::model::K8S_COMMIT
        );
        let step = self
            .step(c.scheduler, "create", &cp, &sched_ua)
            .target(PODS, &namespace, &pod_name, "binding");
        self.send(step, 201, None);
        self.event(
            &pod,
            Reporter::Scheduler,
            "Scheduled",
            format!("Successfully assigned {namespace}/{pod_name} to {}", node.name),
            false,
            1,
        );
        self.pause(500, 1500);
        self.event(
            &pod,
            Reporter::Kubelet,
            "Pulling",
            format!("Pulling image \"{image}\""),
            false,
            1,
        );
        let fails = !scanner && self.rng.percent(35);
        if fails {
            self.pause(1_000, 5_000);
            self.event(
                &pod,
                Reporter::Kubelet,
                "Failed",
                format!(
                    "Failed to pull image \"{image}\": rpc error: code = NotFound desc = failed to pull and unpack image \"{image}\": not found"
                ),
                true,
                1,
            );
            self.event(
                &pod,
                Reporter::Kubelet,
                "Failed",
                "Error: ErrImagePull".to_owned(),
                true,
                1,
            );
            self.pause(2_000, 15_000);
            let count = self.rng.range(2, 6) as u32;
            self.event(
                &pod,
                Reporter::Kubelet,
                "BackOff",
                format!("Back-off pulling image \"{image}\""),
                false,
                count,
            );
            self.event(
                &pod,
                Reporter::Kubelet,
                "Failed",
                "Error: ImagePullBackOff".to_owned(),
                true,
                count,
            );
        } else {
            self.pause(2_000, 20_000);
            let ms = self.rng.range(800, 19_000);
            let size = self.rng.range(8_000_000, 250_000_000);
            self.event(
                &pod,
                Reporter::Kubelet,
                "Pulled",
                format!(
                    "Successfully pulled image \"{image}\" in {}.{:03}s ({}.{:03}s including waiting). Image size: {} bytes.",
                    ms / 1000,
                    ms % 1000,
                    ms / 1000,
                    ms % 1000,
                    size
                ),
                false,
                1,
            );
            self.pause(100, 800);
            self.event(
                &pod,
                Reporter::Kubelet,
                "Created",
                format!("Created container {container}"),
                false,
                1,
            );
            self.pause(100, 800);
            self.event(
                &pod,
                Reporter::Kubelet,
                "Started",
                format!("Started container {container}"),
                false,
                1,
            );
        }
        let node_user = node.user;
        let node_ip = node.ip.clone();
        let kubelet_ua = format!(
            "kubelet/{} (linux/amd64) kubernetes/{}",
            crate::model::K8S_VERSION,
            crate::model::K8S_COMMIT
        );
        let step = self
            .step(node_user, "patch", &node_ip, &kubelet_ua)
            .target(PODS, &namespace, &pod_name, "status");
        self.send(step, 200, None);
        let scenario = if scanner {
            Scenario::ScannerImagePull
        } else {
            Scenario::SuspiciousImagePull
        };
        let label_tool = format!("{tool} ({image}, pod {namespace}/{pod_name})");
        self.finish(scenario, ("host", node.name.clone()), label_tool, actor_ua)
    }
}

/// The pod an event is about.
pub(crate) struct PodRef {
    pub(crate) namespace: String,
    pub(crate) name: String,
    pub(crate) uid: [u8; 16],
    pub(crate) node: String,
    pub(crate) container: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Flavor;
    use crate::text::NANOS;

    /// How far from the start an instance's records spread at full pace, at most.
    const MAX_SPAN: i64 = 300 * NANOS;

    #[test]
    fn names_round_trip() {
        for s in Scenario::ALL {
            assert_eq!(Scenario::from_name(s.name()), Some(s));
        }
        assert_eq!(Scenario::from_name("nope"), None);
    }

    #[test]
    fn public_addresses_are_public_and_unique() {
        let mut rng = Rng::new(3);
        let mut pool = IpPool::default();
        let mut seen = HashSet::new();
        for _ in 0..2000 {
            let ip = pool.public(&mut rng);
            let o: Vec<u8> = ip.split('.').map(|x| x.parse().unwrap()).collect();
            assert!(
                o[0] != 10
                    && o[0] != 127
                    && !(o[0] == 192 && o[1] == 168)
                    && !(o[0] == 172 && (16..32).contains(&o[1]))
            );
            assert!(!(o[0] == 100 && (64..128).contains(&o[1])));
            assert!(seen.insert(ip));
        }
    }

    #[test]
    fn every_scenario_fits_in_its_span_and_is_sorted() {
        let mut rng = Rng::new(9);
        let cluster = Cluster::build(0, Flavor::Vanilla, "acme.io", &mut rng);
        let mut ips = IpPool::default();
        let mut rv = 1;
        for s in Scenario::ALL {
            for _ in 0..20 {
                let g = Gen::new(&mut rng, &cluster, 0, &mut ips, 0, 1000, true, true, &mut rv);
                let inst = g.run(s);
                assert!(!inst.items.is_empty(), "{s:?}");
                let last = inst.items.last().unwrap().0;
                assert!(last <= MAX_SPAN, "{s:?} spans {last}");
                assert!(inst.items.windows(2).all(|w| w[0].0 <= w[1].0));
            }
        }
    }
}
