//! Background traffic: what a healthy cluster's API server and event stream show all day.
//!
//! Each step picks a kind of traffic by weight — the proportions of a typical audit log at
//! level `Metadata`: kubelets renewing their leases and reporting node and pod status, leader
//! election of the controller manager and scheduler, the controllers' own reads and writes,
//! CoreDNS and operators watching, people running kubectl, CI bots deploying, load balancers
//! and probes calling `/healthz`, `/livez` and `/readyz` without credentials (answered 200), a
//! monitor reading `/version`, token and access reviews, and now and then a refused read, a
//! missing object or an update conflict — and object events: pods being created, scheduled,
//! pulled and started, probes failing, containers backing off, deployments scaling.
//!
//! Nothing here may trip a built-in detection: anonymous requests only reach the public health
//! and version paths (one kind of path per address), refusals are only ever for reads by
//! authenticated users, nothing fails authentication, and images come from named or private
//! registries and are never scanners (Trivy runs, and is not one by the pack's definition).

use crate::audit::Req;
use crate::model::{
    CONFIGMAPS, Cluster, DEPLOYMENTS, ENDPOINTS, ENDPOINTSLICES, EVENTS, EVENTS_V1, JOBS, K8S_COMMIT, K8S_VERSION,
    LEASES, NAMESPACES, NODES, PODMETRICS, PODS, REPLICASETS, Res, SECRETS, SELFSUBJECTACCESSREVIEWS, SERVICEACCOUNTS,
    SERVICES, SUBJECTACCESSREVIEWS, TOKENREVIEWS, kcm_ua, suffix,
};
use crate::objects::{ObjEv, Reporter};
use crate::rng::Rng;
use crate::text::NANOS;

/// A kind of background traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    KubeletLease,
    KubeletNodeStatus,
    KubeletGetNode,
    KubeletWatch,
    KubeletPodStatus,
    KubeletToken,
    LeaderLease,
    Controller,
    SchedulerBind,
    CoreDns,
    Operator,
    Human,
    Bot,
    Health,
    VersionMonitor,
    Reviews,
    RefusedRead,
    NotFound,
    Conflict,
    Objects,
}

/// Audit traffic by weight (per mille of records, roughly).
const AUDIT_MIX: &[(Kind, u32)] = &[
    (Kind::KubeletLease, 180),
    (Kind::KubeletNodeStatus, 25),
    (Kind::KubeletGetNode, 30),
    (Kind::KubeletWatch, 40),
    (Kind::KubeletPodStatus, 20),
    (Kind::KubeletToken, 15),
    (Kind::LeaderLease, 80),
    (Kind::Controller, 150),
    (Kind::SchedulerBind, 10),
    (Kind::CoreDns, 20),
    (Kind::Operator, 90),
    (Kind::Human, 60),
    (Kind::Bot, 35),
    (Kind::Health, 50),
    (Kind::VersionMonitor, 5),
    (Kind::Reviews, 20),
    (Kind::RefusedRead, 3),
    (Kind::NotFound, 5),
    (Kind::Conflict, 3),
    (Kind::Objects, 5),
];

/// A kind of object-event traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ObjKind {
    PodStart,
    SystemPodStart,
    Killing,
    Unhealthy,
    BackOff,
    Scaling,
    TrivyScan,
    JobCompleted,
    NodeRegistered,
}

const OBJECT_MIX: &[(ObjKind, u32)] = &[
    (ObjKind::PodStart, 40),
    (ObjKind::SystemPodStart, 8),
    (ObjKind::Killing, 12),
    (ObjKind::Unhealthy, 15),
    (ObjKind::BackOff, 5),
    (ObjKind::Scaling, 6),
    (ObjKind::TrivyScan, 3),
    (ObjKind::JobCompleted, 5),
    (ObjKind::NodeRegistered, 1),
];

/// Public and system images of daemon sets and add-ons.
const SYSTEM_IMAGES: &[(&str, &str, &str)] = &[
    ("registry.k8s.io/kube-proxy:v1.30.2", "kube-proxy", "kube-system"),
    ("registry.k8s.io/coredns/coredns:v1.11.1", "coredns", "kube-system"),
    ("quay.io/prometheus/node-exporter:v1.8.1", "node-exporter", "monitoring"),
    ("docker.io/library/nginx:1.27.0", "nginx", "ingress-nginx"),
    (
        "registry.k8s.io/ingress-nginx/controller:v1.10.1",
        "controller",
        "ingress-nginx",
    ),
    (
        "quay.io/jetstack/cert-manager-controller:v1.15.1",
        "cert-manager-controller",
        "cert-manager",
    ),
    ("ghcr.io/fluxcd/kustomize-controller:v1.3.0", "manager", "flux-system"),
    ("docker.io/library/redis:7.2.5", "redis", "argocd"),
    (
        "registry.k8s.io/metrics-server/metrics-server:v0.7.1",
        "metrics-server",
        "kube-system",
    ),
    ("docker.io/bitnami/postgresql:16.3.0", "postgresql", "monitoring"),
    ("busybox:1.36", "init", "monitoring"),
];

/// What one background step produced.
pub(crate) enum Out {
    /// An audit record, in the [`Req`] handed in.
    Audit,
    /// Object events in [`Background::episode`], to be queued.
    Objects,
}

/// The background generator of one run.
pub(crate) struct Background {
    audit_weights: Vec<u32>,
    object_weights: Vec<u32>,
    /// Generate only object events (the `events` and `sck` formats).
    objects_only: bool,
    kubelet_ua: String,
    scheduler_ua: String,
    kcm_leader_ua: String,
    scheduler_leader_ua: String,
    coredns_ua: String,
    /// Reused object events for episodes.
    pub(crate) episode: Vec<ObjEv>,
    pub(crate) resource_version: u64,
}

impl Background {
    /// The background of a run; `objects_only` for the formats without audit events.
    pub(crate) fn new(objects_only: bool) -> Background {
        Background {
            audit_weights: AUDIT_MIX.iter().map(|&(_, w)| w).collect(),
            object_weights: OBJECT_MIX.iter().map(|&(_, w)| w).collect(),
            objects_only,
            kubelet_ua: format!("kubelet/{K8S_VERSION} (linux/amd64) kubernetes/{K8S_COMMIT}"),
            scheduler_ua: format!("kube-scheduler/{K8S_VERSION} (linux/amd64) kubernetes/{K8S_COMMIT}/scheduler"),
            kcm_leader_ua: format!(
                "kube-controller-manager/{K8S_VERSION} (linux/amd64) kubernetes/{K8S_COMMIT}/leader-election"
            ),
            scheduler_leader_ua: format!(
                "kube-scheduler/{K8S_VERSION} (linux/amd64) kubernetes/{K8S_COMMIT}/leader-election"
            ),
            coredns_ua: "coredns/v0.0.0 (linux/amd64) kubernetes/$Format".to_owned(),
            episode: Vec::new(),
            resource_version: 48_000_000,
        }
    }

    /// One step of background traffic in cluster `ci` at time `t` (nanoseconds): either fills
    /// `req` or fills [`Background::episode`].
    pub(crate) fn step(&mut self, rng: &mut Rng, c: &Cluster, ci: usize, t: i64, req: &mut Req) -> Out {
        if self.objects_only {
            self.objects(rng, c, t);
            return Out::Objects;
        }
        let kind = AUDIT_MIX[rng.weighted(&self.audit_weights)].0;
        if kind == Kind::Objects {
            self.objects(rng, c, t);
            return Out::Objects;
        }
        self.audit(kind, rng, c, ci, t, req);
        Out::Audit
    }

    fn rv(&mut self, rng: &mut Rng) -> u64 {
        self.resource_version += 1 + rng.below(50);
        self.resource_version
    }

    #[allow(clippy::too_many_lines)] // one arm per kind of traffic
    fn audit(&mut self, kind: Kind, rng: &mut Rng, c: &Cluster, ci: usize, t: i64, req: &mut Req) {
        // Latency of an ordinary request: 1–40 ms, mostly short.
        let mut latency = (rng.range(600, 4_000) + if rng.one_in(8) { rng.range(0, 36_000) } else { 0 }) as i64 * 1000;
        let id = rng.uuid();
        match kind {
            Kind::KubeletLease
            | Kind::KubeletNodeStatus
            | Kind::KubeletGetNode
            | Kind::KubeletWatch
            | Kind::KubeletPodStatus
            | Kind::KubeletToken => {
                let node_index = rng.index(c.nodes.len());
                let node = &c.nodes[node_index];
                let verb = match kind {
                    Kind::KubeletLease => "update",
                    Kind::KubeletNodeStatus | Kind::KubeletPodStatus => "patch",
                    Kind::KubeletGetNode => "get",
                    Kind::KubeletWatch => "watch",
                    _ => "create",
                };
                req.reset(ci, id, node.user, verb);
                req.src_ip.push_str(&node.ip);
                req.ua.push_str(&self.kubelet_ua);
                match kind {
                    Kind::KubeletLease => {
                        req.target(LEASES, "kube-node-lease", &node.name, "");
                        req.uri.push_str("?timeout=10s");
                    }
                    Kind::KubeletNodeStatus => {
                        req.target(NODES, "", &node.name, "status");
                        req.uri.push_str("?timeout=10s");
                    }
                    Kind::KubeletGetNode => {
                        req.target(NODES, "", &node.name, "");
                        req.uri.push_str("?resourceVersion=0&timeout=10s");
                    }
                    Kind::KubeletWatch => {
                        let pod = &c.pods[rng.index(c.pods.len())];
                        let (res, name) = if rng.percent(70) {
                            (CONFIGMAPS, "kube-root-ca.crt")
                        } else {
                            (SECRETS, pod.container.as_str())
                        };
                        req.target(res, &pod.namespace, "", "");
                        let secs = rng.range(300, 599);
                        push_fmt(
                            &mut req.uri,
                            format_args!(
                                "?allowWatchBookmarks=true&fieldSelector=metadata.name%3D{name}&resourceVersion={}&timeout={}m{}s&timeoutSeconds={secs}&watch=true",
                                self.resource_version - rng.below(100_000),
                                secs / 60,
                                secs % 60
                            ),
                        );
                        latency = secs as i64 * NANOS;
                    }
                    Kind::KubeletPodStatus => {
                        let pod = &c.pods[rng.index(c.pods.len())];
                        req.target(PODS, &pod.namespace, &pod.name, "status");
                    }
                    _ => {
                        let pod = &c.pods[rng.index(c.pods.len())];
                        req.target(SERVICEACCOUNTS, &pod.namespace, &pod.container, "token");
                        req.code = 201;
                    }
                }
                let code = if kind == Kind::KubeletToken { 201 } else { 200 };
                req.allow(code, "");
            }
            Kind::LeaderLease => {
                let (user, ua, name) = match rng.below(3) {
                    0 => (c.kcm, &self.kcm_leader_ua, "kube-controller-manager"),
                    1 => (c.scheduler, &self.scheduler_leader_ua, "kube-scheduler"),
                    _ => {
                        let op = &c.operators[rng.index(c.operators.len())];
                        req.reset(ci, id, op.user, if rng.percent(50) { "get" } else { "update" });
                        req.src_ip.push_str(&op.ip);
                        req.ua.push_str(&op.ua);
                        let ns = op_namespace(c, op.user);
                        req.target(LEASES, ns, ns, "");
                        let reason = c.users[op.user].allow_reason.clone();
                        req.allow(200, &reason);
                        req.completed = t;
                        req.received = t - latency;
                        return;
                    }
                };
                req.reset(ci, id, user, if rng.percent(50) { "get" } else { "update" });
                req.src_ip.push_str(&c.control_plane_ip);
                req.ua.push_str(ua);
                req.target(LEASES, "kube-system", name, "");
                req.uri.push_str("?timeout=5s");
                req.allow(200, &c.users[user].allow_reason);
            }
            Kind::Controller => {
                let &(user, name) = rng.pick(&c.controllers);
                let pod = &c.pods[rng.index(c.pods.len())];
                let d = &c.deployments[pod.deployment];
                let (verb, res, ns, obj, sub, code): (&'static str, Res, &str, String, &'static str, u16) = match name {
                    "replicaset-controller" => match rng.below(3) {
                        0 => (
                            "update",
                            REPLICASETS,
                            &d.namespace,
                            format!("{}-{}", d.name, d.hash),
                            "status",
                            200,
                        ),
                        1 => ("create", EVENTS, &d.namespace, String::new(), "", 201),
                        _ => (
                            "get",
                            REPLICASETS,
                            &d.namespace,
                            format!("{}-{}", d.name, d.hash),
                            "",
                            200,
                        ),
                    },
                    "deployment-controller" => ("update", DEPLOYMENTS, &d.namespace, d.name.clone(), "status", 200),
                    "endpointslice-controller" => (
                        "update",
                        ENDPOINTSLICES,
                        &d.namespace,
                        format!("{}-{}", d.name, suffix(rng, 5)),
                        "",
                        200,
                    ),
                    "endpoint-controller" => ("update", ENDPOINTS, &d.namespace, d.name.clone(), "", 200),
                    "node-controller" => {
                        let node = &c.nodes[rng.index(c.nodes.len())];
                        ("get", NODES, "", node.name.clone(), "", 200)
                    }
                    "namespace-controller" => ("list", NAMESPACES, "", String::new(), "", 200),
                    "root-ca-cert-publisher" => ("get", CONFIGMAPS, &d.namespace, "kube-root-ca.crt".into(), "", 200),
                    "job-controller" | "cronjob-controller" | "ttl-after-finished-controller" => {
                        ("list", JOBS, "", String::new(), "", 200)
                    }
                    _ => {
                        if rng.percent(60) {
                            ("get", PODS, &pod.namespace, pod.name.clone(), "", 200)
                        } else {
                            ("list", PODS, &pod.namespace, String::new(), "", 200)
                        }
                    }
                };
                req.reset(ci, id, user, verb);
                req.src_ip.push_str(&c.control_plane_ip);
                if name.starts_with("eks:") {
                    push_fmt(
                        &mut req.ua,
                        format_args!(
                            "{}/v0.0.0 (linux/amd64) kubernetes/$Format",
                            name.trim_start_matches("eks:")
                        ),
                    );
                } else {
                    req.ua.push_str(&kcm_ua(name));
                }
                req.target(res, ns, &obj, sub);
                if verb == "list" {
                    req.uri.push_str("?limit=500&resourceVersion=0");
                }
                req.allow(code, &c.users[user].allow_reason);
            }
            Kind::SchedulerBind => {
                let pod = &c.pods[rng.index(c.pods.len())];
                req.reset(ci, id, c.scheduler, "create");
                req.src_ip.push_str(&c.control_plane_ip);
                req.ua.push_str(&self.scheduler_ua);
                if rng.percent(50) {
                    req.target(PODS, &pod.namespace, &pod.name, "binding");
                } else {
                    req.target(EVENTS_V1, &pod.namespace, "", "");
                }
                req.allow(201, &c.users[c.scheduler].allow_reason);
            }
            Kind::CoreDns => {
                let (user, ip) = (&c.coredns.0, &c.coredns.1);
                req.reset(ci, id, *user, "watch");
                req.src_ip.push_str(ip);
                req.ua.push_str(&self.coredns_ua);
                let res = *rng.pick(&[ENDPOINTSLICES, SERVICES, NAMESPACES]);
                req.target(
                    Res {
                        namespaced: false,
                        ..res
                    },
                    "",
                    "",
                    "",
                );
                let secs = rng.range(300, 599);
                push_fmt(
                    &mut req.uri,
                    format_args!(
                        "?allowWatchBookmarks=true&resourceVersion={}&timeout={}m{}s&timeoutSeconds={secs}&watch=true",
                        self.resource_version - rng.below(100_000),
                        secs / 60,
                        secs % 60
                    ),
                );
                latency = secs as i64 * NANOS;
                req.allow(200, &c.users[*user].allow_reason);
            }
            Kind::Operator => {
                let op = &c.operators[rng.index(c.operators.len())];
                if op.scrapes_metrics && rng.percent(15) {
                    req.reset(ci, id, op.user, "get");
                    req.src_ip.push_str(&op.ip);
                    req.ua.push_str(&op.ua);
                    req.path("/metrics");
                } else {
                    let res = *rng.pick(op.reads);
                    let ns = if res.namespaced && !op.namespaces.is_empty() {
                        op.namespaces[rng.index(op.namespaces.len())].as_str()
                    } else {
                        ""
                    };
                    let verb = if rng.percent(55) { "watch" } else { "list" };
                    req.reset(ci, id, op.user, verb);
                    req.src_ip.push_str(&op.ip);
                    req.ua.push_str(&op.ua);
                    req.target(res, ns, "", "");
                    if verb == "watch" {
                        let secs = rng.range(300, 599);
                        push_fmt(
                            &mut req.uri,
                            format_args!(
                                "?allowWatchBookmarks=true&resourceVersion={}&timeout={}m{}s&timeoutSeconds={secs}&watch=true",
                                self.resource_version - rng.below(100_000),
                                secs / 60,
                                secs % 60
                            ),
                        );
                        latency = secs as i64 * NANOS;
                    } else {
                        req.uri.push_str("?limit=500&resourceVersion=0");
                    }
                }
                req.allow(200, &c.users[op.user].allow_reason);
            }
            Kind::Human => self.human(rng, c, ci, id, req),
            Kind::Bot => {
                let bot = &c.bots[rng.index(c.bots.len())];
                let d = &c.deployments[rng.index(c.deployments.len())];
                let (verb, res, name, code, query) = match rng.below(6) {
                    0 => ("get", DEPLOYMENTS, d.name.as_str(), 200, ""),
                    1 => (
                        "patch",
                        DEPLOYMENTS,
                        d.name.as_str(),
                        200,
                        "?fieldManager=kubectl-client-side-apply&fieldValidation=Strict",
                    ),
                    2 => ("list", SECRETS, "", 200, "?labelSelector=owner%3Dhelm"),
                    3 => ("get", SERVICES, d.name.as_str(), 200, ""),
                    4 => (
                        "create",
                        CONFIGMAPS,
                        "",
                        201,
                        "?fieldManager=kubectl-client-side-apply&fieldValidation=Strict",
                    ),
                    _ => (
                        "patch",
                        CONFIGMAPS,
                        d.name.as_str(),
                        200,
                        "?fieldManager=kubectl-client-side-apply&fieldValidation=Strict",
                    ),
                };
                req.reset(ci, id, bot.user, verb);
                req.src_ip.push_str(&bot.ip);
                req.ua.push_str(&bot.ua);
                req.target(res, &d.namespace, name, "");
                req.uri.push_str(query);
                req.allow(code, &c.users[bot.user].allow_reason);
            }
            Kind::Health => {
                let h = &c.health[rng.index(c.health.len())];
                req.reset(ci, id, crate::model::ANONYMOUS, "get");
                req.src_ip.push_str(&h.ip);
                req.ua.push_str(h.ua);
                req.path(rng.choose(&["/healthz", "/livez", "/readyz", "/readyz", "/livez", "/readyz?verbose"]));
                req.allow(200, &c.users[crate::model::ANONYMOUS].allow_reason);
            }
            Kind::VersionMonitor => {
                let m = &c.version_monitors[rng.index(c.version_monitors.len())];
                req.reset(ci, id, crate::model::ANONYMOUS, "get");
                req.src_ip.push_str(&m.ip);
                req.ua.push_str(m.ua);
                req.path("/version");
                req.allow(200, &c.users[crate::model::ANONYMOUS].allow_reason);
            }
            Kind::Reviews => {
                let op = &c.operators[rng.index(c.operators.len())];
                req.reset(ci, id, op.user, "create");
                req.src_ip.push_str(&op.ip);
                req.ua.push_str(&op.ua);
                let res = if rng.percent(50) {
                    TOKENREVIEWS
                } else {
                    SUBJECTACCESSREVIEWS
                };
                req.target(res, "", "", "");
                req.allow(201, &c.users[op.user].allow_reason);
            }
            Kind::RefusedRead => {
                // A developer looking where they may not, or an operator missing a permission.
                if rng.percent(60) {
                    let developers: Vec<_> = c.humans.iter().filter(|h| !h.admin).collect();
                    let h = developers
                        .get(rng.index(developers.len().max(1)))
                        .copied()
                        .unwrap_or(&c.humans[0]);
                    let verb = if rng.percent(50) { "get" } else { "list" };
                    req.reset(ci, id, h.user, verb);
                    req.src_ip.push_str(&h.ip);
                    req.ua.push_str(&h.ua);
                    let name = if verb == "get" { "cluster-admin-token" } else { "" };
                    req.target(SECRETS, "kube-system", name, "");
                } else {
                    let op = &c.operators[rng.index(c.operators.len())];
                    req.reset(ci, id, op.user, "list");
                    req.src_ip.push_str(&op.ip);
                    req.ua.push_str(&op.ua);
                    req.target(*rng.pick(&[SECRETS, NODES, SERVICEACCOUNTS]), "", "", "");
                    req.uri.push_str("?limit=500&resourceVersion=0");
                }
                req.forbid();
            }
            Kind::NotFound => {
                let h = &c.humans[rng.index(c.humans.len())];
                let d = &c.deployments[rng.index(c.deployments.len())];
                req.reset(ci, id, h.user, "get");
                req.src_ip.push_str(&h.ip);
                req.ua.push_str(&h.ua);
                let name = format!("{}-{}-{}", d.name, suffix(rng, 10), suffix(rng, 5));
                req.target(PODS, &d.namespace, &name, "");
                req.code = 404;
                req.decision = crate::audit::Decision::Allow;
                req.reason.clear();
                req.reason.push_str(&c.users[h.user].allow_reason);
            }
            Kind::Conflict => {
                let node = &c.nodes[rng.index(c.nodes.len())];
                req.reset(ci, id, node.user, "update");
                req.src_ip.push_str(&node.ip);
                req.ua.push_str(&self.kubelet_ua);
                req.target(LEASES, "kube-node-lease", &node.name, "");
                req.uri.push_str("?timeout=10s");
                req.code = 409;
                req.decision = crate::audit::Decision::Allow;
                req.reason.clear();
            }
            Kind::Objects => {}
        }
        req.completed = t;
        req.received = t - latency;
    }

    /// kubectl get, list, describe, apply, logs, exec, top, and discovery.
    fn human(&mut self, rng: &mut Rng, c: &Cluster, ci: usize, id: [u8; 16], req: &mut Req) {
        let h = &c.humans[rng.index(c.humans.len())];
        let pod = &c.pods[rng.index(c.pods.len())];
        let d = &c.deployments[pod.deployment];
        let action = rng.below(20);
        let verb = match action {
            5..=10 | 16 | 17 => "list",
            11 | 12 => "patch",
            15 => "create",
            _ => "get",
        };
        req.reset(ci, id, h.user, verb);
        req.src_ip.push_str(&h.ip);
        req.ua.push_str(&h.ua);
        let mut code = 200;
        match action {
            0..=4 => req.target(PODS, &pod.namespace, &pod.name, ""),
            5..=8 => {
                req.target(PODS, &pod.namespace, "", "");
                req.uri.push_str("?limit=500");
            }
            // describe: the events of the object
            9 | 10 => {
                req.target(EVENTS, &pod.namespace, "", "");
                push_fmt(
                    &mut req.uri,
                    format_args!(
                        "?fieldSelector=involvedObject.name%3D{}%2CinvolvedObject.namespace%3D{}%2CinvolvedObject.uid%3D{}&limit=500",
                        pod.name,
                        pod.namespace,
                        crate::text::uuid_string(&pod.uid)
                    ),
                );
            }
            // apply
            11 | 12 => {
                req.target(DEPLOYMENTS, &d.namespace, &d.name, "");
                req.uri
                    .push_str("?fieldManager=kubectl-client-side-apply&fieldValidation=Strict");
            }
            // logs
            13 | 14 => {
                req.target(PODS, &pod.namespace, &pod.name, "log");
                push_fmt(&mut req.uri, format_args!("?container={}&tailLines=200", pod.container));
            }
            // exec
            15 => {
                req.target(PODS, &pod.namespace, &pod.name, "exec");
                push_fmt(
                    &mut req.uri,
                    format_args!(
                        "?command=sh&container={}&stdin=true&stdout=true&tty=true",
                        pod.container
                    ),
                );
                code = 101;
            }
            // top
            16 => req.target(PODMETRICS, &pod.namespace, "", ""),
            17 => {
                req.target(
                    *rng.pick(&[NODES, NAMESPACES, SERVICEACCOUNTS, DEPLOYMENTS, SERVICES]),
                    "",
                    "",
                    "",
                );
                req.uri.push_str("?limit=500");
            }
            // discovery, and `kubectl auth can-i`
            _ => {
                if rng.percent(70) {
                    req.path(rng.choose(&["/api", "/apis"]));
                    req.uri.push_str("?timeout=32s");
                } else {
                    req.verb = "create";
                    req.target(SELFSUBJECTACCESSREVIEWS, "", "", "");
                    code = 201;
                }
            }
        }
        req.allow(code, &c.users[h.user].allow_reason);
    }

    /// Object events starting at `t`, into [`Background::episode`].
    #[allow(clippy::too_many_lines)] // one arm per kind of event
    fn objects(&mut self, rng: &mut Rng, c: &Cluster, t: i64) {
        self.episode.clear();
        let kind = OBJECT_MIX[rng.weighted(&self.object_weights)].0;
        let node = &c.nodes[rng.index(c.nodes.len())];
        match kind {
            ObjKind::PodStart | ObjKind::SystemPodStart | ObjKind::TrivyScan => {
                let (ns, name, image, container, owner) = match kind {
                    ObjKind::PodStart => {
                        let d = &c.deployments[rng.index(c.deployments.len())];
                        (
                            d.namespace.clone(),
                            format!("{}-{}-{}", d.name, d.hash, suffix(rng, 5)),
                            d.image.clone(),
                            d.name.clone(),
                            Some(format!("{}-{}", d.name, d.hash)),
                        )
                    }
                    ObjKind::SystemPodStart => {
                        let &(image, container, ns) = rng.pick(SYSTEM_IMAGES);
                        (
                            ns.to_owned(),
                            format!("{container}-{}", suffix(rng, 5)),
                            image.to_owned(),
                            container.to_owned(),
                            None,
                        )
                    }
                    _ => (
                        "trivy-system".to_owned(),
                        format!("scan-vulnerabilityreport-{}-{}", suffix(rng, 10), suffix(rng, 5)),
                        "mirror.gcr.io/aquasec/trivy:0.53.0".to_owned(),
                        "trivy".to_owned(),
                        None,
                    ),
                };
                let pod_uid = rng.uuid();
                let mut at = 0i64;
                if let Some(rs) = owner {
                    let e = self.event(rng, &ns, "ReplicaSet", "apps/v1", &rs, "", "SuccessfulCreate");
                    e.reporter = Reporter::Controller("replicaset-controller");
                    e.message = format!("Created pod: {name}");
                    e.time = t;
                }
                at += rng.range(20, 300) as i64 * 1_000_000;
                let e = self.event(rng, &ns, "Pod", "v1", &name, "", "Scheduled");
                e.object_uid = pod_uid;
                e.reporter = Reporter::Scheduler;
                e.host.clear();
                e.host.push_str(&c.scheduler_instance);
                e.message = format!("Successfully assigned {ns}/{name} to {}", node.name);
                e.time = t + at;
                at += rng.range(300, 1500) as i64 * 1_000_000;
                let cached = rng.percent(55);
                if cached {
                    let e = self.kubelet(rng, &ns, &name, pod_uid, &container, &node.name, "Pulled", t + at);
                    e.message = format!("Container image \"{image}\" already present on machine");
                } else {
                    let e = self.kubelet(rng, &ns, &name, pod_uid, &container, &node.name, "Pulling", t + at);
                    e.message = format!("Pulling image \"{image}\"");
                    let ms = rng.range(400, 12_000);
                    at += ms as i64 * 1_000_000;
                    let size = rng.range(5_000_000, 400_000_000);
                    let e = self.kubelet(rng, &ns, &name, pod_uid, &container, &node.name, "Pulled", t + at);
                    e.message = format!(
                        "Successfully pulled image \"{image}\" in {}.{:03}s ({}.{:03}s including waiting). Image size: {size} bytes.",
                        ms / 1000,
                        ms % 1000,
                        ms / 1000,
                        ms % 1000
                    );
                }
                at += rng.range(50, 600) as i64 * 1_000_000;
                let e = self.kubelet(rng, &ns, &name, pod_uid, &container, &node.name, "Created", t + at);
                e.message = format!("Created container {container}");
                at += rng.range(50, 600) as i64 * 1_000_000;
                let e = self.kubelet(rng, &ns, &name, pod_uid, &container, &node.name, "Started", t + at);
                e.message = format!("Started container {container}");
            }
            ObjKind::Killing | ObjKind::Unhealthy | ObjKind::BackOff => {
                let pod = &c.pods[rng.index(c.pods.len())];
                let host = &c.nodes[pod.node].name;
                let reason = match kind {
                    ObjKind::Killing => "Killing",
                    ObjKind::Unhealthy => "Unhealthy",
                    _ => "BackOff",
                };
                let message = match kind {
                    ObjKind::Killing => format!("Stopping container {}", pod.container),
                    ObjKind::Unhealthy => {
                        if rng.percent(60) {
                            format!(
                                "Readiness probe failed: Get \"http://{}:8080/healthz\": dial tcp {}:8080: connect: connection refused",
                                pod.ip, pod.ip
                            )
                        } else {
                            "Liveness probe failed: HTTP probe failed with statuscode: 503".to_owned()
                        }
                    }
                    _ => format!(
                        "Back-off restarting failed container {} in pod {}_{}({})",
                        pod.container,
                        pod.name,
                        pod.namespace,
                        crate::text::uuid_string(&pod.uid)
                    ),
                };
                let count = if kind == ObjKind::Killing {
                    1
                } else {
                    rng.range(1, 30) as u32
                };
                let e = self.kubelet(rng, &pod.namespace, &pod.name, pod.uid, &pod.container, host, reason, t);
                e.message = message;
                e.warning = kind != ObjKind::Killing;
                e.count = count;
                e.watch_type = if count > 1 { "MODIFIED" } else { "ADDED" };
            }
            ObjKind::Scaling => {
                let d = &c.deployments[rng.index(c.deployments.len())];
                let n = rng.range(2, 6);
                let up = rng.percent(50);
                let e = self.event(
                    rng,
                    &d.namespace,
                    "Deployment",
                    "apps/v1",
                    &d.name,
                    "",
                    "ScalingReplicaSet",
                );
                e.reporter = Reporter::Controller("deployment-controller");
                e.message = if up {
                    format!("Scaled up replica set {}-{} to {n} from {}", d.name, d.hash, n - 1)
                } else {
                    format!("Scaled down replica set {}-{} to {} from {n}", d.name, d.hash, n - 1)
                };
                e.time = t;
            }
            ObjKind::JobCompleted => {
                let ns = &c.app_namespaces[rng.index(c.app_namespaces.len())];
                let job = format!("nightly-report-{}", 29_000_000 + rng.below(100_000));
                let e = self.event(rng, ns, "Job", "batch/v1", &job, "", "Completed");
                e.reporter = Reporter::Controller("job-controller");
                e.message = "Job completed".to_owned();
                e.time = t;
            }
            ObjKind::NodeRegistered => {
                let e = self.event(rng, "default", "Node", "v1", &node.name, "", "RegisteredNode");
                e.reporter = Reporter::Controller("node-controller");
                e.message = format!("Node {} event: Registered Node {} in Controller", node.name, node.name);
                e.time = t;
            }
        }
        self.episode.sort_by_key(|e| e.time);
    }

    /// A new event in the episode (reported by a controller; the caller adjusts it).
    #[allow(clippy::too_many_arguments)] // the identity of one event
    fn event(
        &mut self,
        rng: &mut Rng,
        ns: &str,
        kind: &'static str,
        api_version: &'static str,
        object: &str,
        container: &str,
        reason: &'static str,
    ) -> &mut ObjEv {
        let rv = self.rv(rng);
        let ev = ObjEv {
            uid: rng.uuid(),
            name_suffix: rng.next_u64(),
            resource_version: rv,
            namespace: ns.to_owned(),
            kind,
            api_version,
            object: object.to_owned(),
            object_uid: rng.uuid(),
            container: container.to_owned(),
            reason,
            message: String::new(),
            warning: false,
            reporter: Reporter::Controller("replicaset-controller"),
            host: String::new(),
            count: 1,
            time: 0,
            watch_type: "ADDED",
        };
        self.episode.push(ev);
        let last = self.episode.len() - 1;
        &mut self.episode[last]
    }

    /// A kubelet event about a pod container.
    #[allow(clippy::too_many_arguments)] // the identity of one event
    fn kubelet(
        &mut self,
        rng: &mut Rng,
        ns: &str,
        pod: &str,
        pod_uid: [u8; 16],
        container: &str,
        host: &str,
        reason: &'static str,
        time: i64,
    ) -> &mut ObjEv {
        let e = self.event(rng, ns, "Pod", "v1", pod, container, reason);
        e.object_uid = pod_uid;
        e.reporter = Reporter::Kubelet;
        e.host.push_str(host);
        e.time = time;
        e
    }
}

/// Append formatted text to a reused string.
fn push_fmt(s: &mut String, args: std::fmt::Arguments<'_>) {
    use std::fmt::Write;
    // Writing to a String cannot fail.
    let _ = s.write_fmt(args);
}

/// The namespace of an operator's service account (from its user name).
fn op_namespace(c: &Cluster, user: usize) -> &str {
    c.users[user].name.split(':').nth(2).unwrap_or("kube-system")
}
