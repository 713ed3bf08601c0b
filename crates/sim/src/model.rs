//! The simulated clusters: nodes, namespaces, deployments and their pods, service accounts, human
//! users, CI bots, operators, load balancers and monitors, with the names, addresses, user agents
//! and RBAC reasons each one shows in the audit log.
//!
//! Everything here is built once, before the first record, so the per-record code only copies
//! prepared text. Names follow the conventions of each platform (EKS `ip-10-…compute.internal`
//! nodes and IAM identities, GKE `gke-…-default-pool-…` nodes and a project, AKS
//! `aks-nodepool1-…-vmss…` nodes and an Azure resource id, kubeadm-style names otherwise).
//! Addresses are private: cluster `i` uses `10.(16+i).0.0/16` for nodes, pods and load balancers
//! and `192.168.i.0/24` for people on the VPN, so several clusters never share an address.

use crate::rng::Rng;
use crate::text::{escaped, uuid_string};

/// Kubernetes version of the simulated control planes and kubelets.
pub(crate) const K8S_VERSION: &str = "v1.30.2";
/// The git commit `kubectl version` prints for [`K8S_VERSION`], part of every user agent built
/// by client-go's default.
pub(crate) const K8S_COMMIT: &str = "39683505";

/// The platform a cluster runs on: decides names, identities and the cloud metadata.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// Self-managed (kubeadm-style names).
    Vanilla,
    /// Amazon EKS.
    Eks,
    /// Google GKE.
    Gke,
    /// Azure AKS.
    Aks,
}

/// How the API server sees a caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UserKind {
    /// No credentials: `system:anonymous` in `system:unauthenticated`.
    Anonymous,
    /// Credentials that failed authentication (401): the audit event has an empty `user`.
    Unauthenticated,
    /// Authenticated (`system:authenticated`).
    Authenticated,
}

/// A caller as the audit log shows it.
#[derive(Clone, Debug)]
pub(crate) struct User {
    /// `user.username` (and GKE's `principalEmail`).
    pub(crate) name: String,
    /// The whole `user` object, as JSON.
    pub(crate) json: String,
    pub(crate) kind: UserKind,
    /// `authorization.k8s.io/reason` of its allowed requests, JSON-escaped.
    pub(crate) allow_reason: String,
}

/// A node.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub(crate) name: String,
    pub(crate) ip: String,
    /// The kubelet's user.
    pub(crate) user: usize,
}

/// A running pod.
#[derive(Clone, Debug)]
pub(crate) struct Pod {
    pub(crate) namespace: String,
    pub(crate) name: String,
    pub(crate) uid: [u8; 16],
    pub(crate) node: usize,
    pub(crate) ip: String,
    pub(crate) container: String,
    /// Its service account's user.
    pub(crate) user: usize,
    /// The deployment it belongs to.
    pub(crate) deployment: usize,
}

/// A deployment (with its current replica set).
#[derive(Clone, Debug)]
pub(crate) struct Deployment {
    pub(crate) namespace: String,
    pub(crate) name: String,
    /// The pod-template hash of the current replica set.
    pub(crate) hash: String,
    pub(crate) image: String,
}

/// An API resource a client reads.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Res {
    pub(crate) group: &'static str,
    pub(crate) version: &'static str,
    pub(crate) resource: &'static str,
    pub(crate) namespaced: bool,
}

const fn res(group: &'static str, version: &'static str, resource: &'static str, namespaced: bool) -> Res {
    Res {
        group,
        version,
        resource,
        namespaced,
    }
}

pub(crate) const PODS: Res = res("", "v1", "pods", true);
pub(crate) const SERVICES: Res = res("", "v1", "services", true);
pub(crate) const ENDPOINTS: Res = res("", "v1", "endpoints", true);
pub(crate) const CONFIGMAPS: Res = res("", "v1", "configmaps", true);
pub(crate) const SECRETS: Res = res("", "v1", "secrets", true);
pub(crate) const NODES: Res = res("", "v1", "nodes", false);
pub(crate) const NAMESPACES: Res = res("", "v1", "namespaces", false);
pub(crate) const EVENTS: Res = res("", "v1", "events", true);
pub(crate) const SERVICEACCOUNTS: Res = res("", "v1", "serviceaccounts", true);
pub(crate) const PVCS: Res = res("", "v1", "persistentvolumeclaims", true);
pub(crate) const DEPLOYMENTS: Res = res("apps", "v1", "deployments", true);
pub(crate) const REPLICASETS: Res = res("apps", "v1", "replicasets", true);
pub(crate) const DAEMONSETS: Res = res("apps", "v1", "daemonsets", true);
pub(crate) const STATEFULSETS: Res = res("apps", "v1", "statefulsets", true);
pub(crate) const JOBS: Res = res("batch", "v1", "jobs", true);
pub(crate) const CRONJOBS: Res = res("batch", "v1", "cronjobs", true);
pub(crate) const LEASES: Res = res("coordination.k8s.io", "v1", "leases", true);
pub(crate) const ENDPOINTSLICES: Res = res("discovery.k8s.io", "v1", "endpointslices", true);
pub(crate) const INGRESSES: Res = res("networking.k8s.io", "v1", "ingresses", true);
pub(crate) const NETWORKPOLICIES: Res = res("networking.k8s.io", "v1", "networkpolicies", true);
pub(crate) const ROLES: Res = res("rbac.authorization.k8s.io", "v1", "roles", true);
pub(crate) const ROLEBINDINGS: Res = res("rbac.authorization.k8s.io", "v1", "rolebindings", true);
pub(crate) const CLUSTERROLES: Res = res("rbac.authorization.k8s.io", "v1", "clusterroles", false);
pub(crate) const CLUSTERROLEBINDINGS: Res = res("rbac.authorization.k8s.io", "v1", "clusterrolebindings", false);
pub(crate) const HPAS: Res = res("autoscaling", "v2", "horizontalpodautoscalers", true);
pub(crate) const PDBS: Res = res("policy", "v1", "poddisruptionbudgets", true);
pub(crate) const CERTIFICATES: Res = res("cert-manager.io", "v1", "certificates", true);
pub(crate) const APPLICATIONS: Res = res("argoproj.io", "v1alpha1", "applications", true);
pub(crate) const SERVICEMONITORS: Res = res("monitoring.coreos.com", "v1", "servicemonitors", true);
pub(crate) const PODMETRICS: Res = res("metrics.k8s.io", "v1beta1", "pods", true);
pub(crate) const TOKENREVIEWS: Res = res("authentication.k8s.io", "v1", "tokenreviews", false);
pub(crate) const SUBJECTACCESSREVIEWS: Res = res("authorization.k8s.io", "v1", "subjectaccessreviews", false);
pub(crate) const SELFSUBJECTRULESREVIEWS: Res = res("authorization.k8s.io", "v1", "selfsubjectrulesreviews", false);
pub(crate) const SELFSUBJECTACCESSREVIEWS: Res = res("authorization.k8s.io", "v1", "selfsubjectaccessreviews", false);
pub(crate) const EVENTS_V1: Res = res("events.k8s.io", "v1", "events", true);

/// An operator to build: namespace, service account, user agent, what it reads, whether it
/// reads only the application namespaces, whether it scrapes `/metrics`.
type OperatorSpec = (&'static str, &'static str, &'static str, &'static [Res], bool, bool);

/// A long-running client (an operator, an exporter) with what it reads.
#[derive(Clone, Debug)]
pub(crate) struct Operator {
    pub(crate) user: usize,
    pub(crate) ip: String,
    pub(crate) ua: String,
    pub(crate) reads: &'static [Res],
    /// Namespaces it reads in (empty: cluster-wide).
    pub(crate) namespaces: Vec<String>,
    /// It also scrapes the API server's `/metrics`.
    pub(crate) scrapes_metrics: bool,
}

/// A person using kubectl.
#[derive(Clone, Debug)]
pub(crate) struct Human {
    pub(crate) user: usize,
    pub(crate) ip: String,
    pub(crate) ua: String,
    /// Administrators may touch every namespace; developers stay in the application ones.
    pub(crate) admin: bool,
}

/// A CI or GitOps bot.
#[derive(Clone, Debug)]
pub(crate) struct Bot {
    pub(crate) user: usize,
    pub(crate) ip: String,
    pub(crate) ua: String,
}

/// An unauthenticated health checker (load balancer, probe) or `/version` monitor.
#[derive(Clone, Debug)]
pub(crate) struct Checker {
    pub(crate) ip: String,
    pub(crate) ua: &'static str,
}

/// One simulated cluster.
#[derive(Clone, Debug)]
pub(crate) struct Cluster {
    /// The name the detections report (`cluster_name`): lower case for AKS, as its rules give it.
    pub(crate) name: String,
    pub(crate) users: Vec<User>,
    pub(crate) nodes: Vec<Node>,
    pub(crate) app_namespaces: Vec<String>,
    pub(crate) deployments: Vec<Deployment>,
    pub(crate) pods: Vec<Pod>,
    /// kube-system pods (CoreDNS, kube-proxy, ...) an attacker may try to exec into.
    pub(crate) system_pods: Vec<String>,
    /// The control plane's address as the API server sees its components.
    pub(crate) control_plane_ip: String,
    pub(crate) kcm: usize,
    pub(crate) scheduler: usize,
    /// kube-controller-manager's controllers, each with its service account user.
    pub(crate) controllers: Vec<(usize, &'static str)>,
    pub(crate) coredns: (usize, String),
    pub(crate) operators: Vec<Operator>,
    pub(crate) humans: Vec<Human>,
    pub(crate) bots: Vec<Bot>,
    pub(crate) health: Vec<Checker>,
    pub(crate) version_monitors: Vec<Checker>,
    /// The namespace whose pods, services and config maps `system:anonymous` may read through a
    /// forgotten RoleBinding (the anonymous-access-allowed scenario).
    pub(crate) exposed_namespace: &'static str,
    // Cloud metadata.
    pub(crate) aws_account: String,
    pub(crate) log_group: String,
    pub(crate) log_streams: Vec<String>,
    pub(crate) gcp_project: String,
    pub(crate) gke_location: &'static str,
    pub(crate) aks_resource_id: String,
    /// AKS API server pods: (pod name, container id).
    pub(crate) apiservers: Vec<(String, String)>,
    /// Second octet of the cluster's `10.x.0.0/16`.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) octet: u8,
    /// The scheduler's instance name (event `reportingInstance`).
    pub(crate) scheduler_instance: String,
}

/// Index of the anonymous user in every cluster's `users`.
pub(crate) const ANONYMOUS: usize = 0;
/// Index of the unauthenticated (401) user in every cluster's `users`.
pub(crate) const UNAUTHENTICATED: usize = 1;

const BASE_NAMES: &[&str] = &[
    "prod-eu-west",
    "prod-us-east",
    "payments-prod",
    "staging",
    "data-platform",
    "edge-ap-south",
    "ml-training",
    "internal-tools",
];
const COMPANIES: &[&str] = &[
    "acme.io",
    "globex.com",
    "initech.dev",
    "northwind.io",
    "contoso-retail.com",
];
const APP_NAMESPACES: &[&str] = &[
    "shop",
    "payments",
    "checkout",
    "search",
    "auth",
    "orders",
    "inventory",
    "notifications",
    "analytics",
    "billing",
    "catalog",
    "recommendations",
];
const APP_NAMES: &[&str] = &[
    "api",
    "web",
    "worker",
    "frontend",
    "gateway",
    "consumer",
    "cache",
    "scheduler-jobs",
    "grpc-backend",
    "indexer",
    "cart",
    "session-store",
];
const PEOPLE: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mike", "nina", "oscar",
    "peggy", "rupert", "sybil", "trent", "victor", "wendy", "yusuf",
];
const KUBECTL_UAS: &[&str] = &[
    "kubectl/v1.30.2 (linux/amd64) kubernetes/39683505",
    "kubectl/v1.30.2 (darwin/arm64) kubernetes/39683505",
    "kubectl/v1.29.3 (darwin/arm64) kubernetes/6813625",
    "kubectl/v1.31.0 (darwin/arm64) kubernetes/9edcffc",
    "kubectl/v1.28.4 (windows/amd64) kubernetes/bae2c62",
    "kubectl/v1.30.1 (linux/amd64) kubernetes/6911225",
];
const REGIONS_AWS: &[&str] = &["eu-west-1", "us-east-1", "us-west-2", "ap-southeast-2", "eu-central-1"];
const REGIONS_GCP: &[&str] = &[
    "europe-west1",
    "us-central1",
    "us-east4",
    "asia-northeast1",
    "europe-west3",
];
const KCM_CONTROLLERS: &[&str] = &[
    "replicaset-controller",
    "deployment-controller",
    "endpointslice-controller",
    "endpoint-controller",
    "generic-garbage-collector",
    "resourcequota-controller",
    "horizontal-pod-autoscaler",
    "job-controller",
    "cronjob-controller",
    "namespace-controller",
    "node-controller",
    "daemon-set-controller",
    "statefulset-controller",
    "root-ca-cert-publisher",
    "pvc-protection-controller",
    "ttl-after-finished-controller",
];
const EKS_COMPONENTS: &[&str] = &[
    "eks:certificate-controller",
    "eks:node-manager",
    "eks:addon-manager",
    "eks:cloud-controller-manager",
    "eks:pod-identity-mutating-webhook",
];
/// Lower-case letters and digits Kubernetes uses for generated name suffixes.
const NAME_CHARS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// A generated-name suffix (`-7d9f8c6b5`, `-m5k2z`).
pub(crate) fn suffix(rng: &mut Rng, len: usize) -> String {
    (0..len).map(|_| char::from(*rng.pick(NAME_CHARS))).collect()
}

/// `n` random hex digits.
pub(crate) fn hex(rng: &mut Rng, len: usize) -> String {
    const HEX: &[u8] = b"0123456789abcdef";
    (0..len).map(|_| char::from(*rng.pick(HEX))).collect()
}

fn upper_alnum(rng: &mut Rng, len: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    (0..len).map(|_| char::from(*rng.pick(CHARS))).collect()
}

fn digits(rng: &mut Rng, len: usize) -> String {
    (0..len).map(|_| char::from(b'0' + rng.below(10) as u8)).collect()
}

/// A JSON array of strings.
fn json_list(items: &[&str]) -> String {
    let mut s = String::from("[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push('"');
        s.push_str(&escaped(item));
        s.push('"');
    }
    s.push(']');
    s
}

/// The RBAC reason of a request allowed by a binding.
pub(crate) fn rbac_reason(binding_kind: &str, binding: &str, role_kind: &str, role: &str, subject: &str) -> String {
    escaped(&format!(
        "RBAC: allowed by {binding_kind} \"{binding}\" of {role_kind} \"{role}\" to {subject}"
    ))
}

/// The reason `system:public-info-viewer` gives anonymous health and version requests.
pub(crate) fn public_info_reason() -> String {
    rbac_reason(
        "ClusterRoleBinding",
        "system:public-info-viewer",
        "ClusterRole",
        "system:public-info-viewer",
        "Group \"system:unauthenticated\"",
    )
}

/// The user agent a kube-controller-manager controller sends.
pub(crate) fn kcm_ua(controller: &str) -> String {
    format!(
        "kube-controller-manager/{K8S_VERSION} (linux/amd64) kubernetes/{K8S_COMMIT}/system:serviceaccount:kube-system:{controller}"
    )
}

struct Builder<'r> {
    rng: &'r mut Rng,
    flavor: Flavor,
    users: Vec<User>,
}

impl Builder<'_> {
    fn push(&mut self, name: String, json: String, kind: UserKind, allow_reason: String) -> usize {
        self.users.push(User {
            name,
            json,
            kind,
            allow_reason,
        });
        self.users.len() - 1
    }

    /// A service account user, with a pod-bound token when `pod` is given.
    fn service_account(&mut self, ns: &str, sa: &str, pod: Option<(&str, &[u8; 16], &str)>, reason: String) -> usize {
        let name = format!("system:serviceaccount:{ns}:{sa}");
        let uid = uuid_string(&self.rng.uuid());
        let cred = uuid_string(&self.rng.uuid());
        let groups = json_list(&[
            "system:serviceaccounts",
            &format!("system:serviceaccounts:{ns}"),
            "system:authenticated",
        ]);
        let mut extra = format!("{{\"authentication.kubernetes.io/credential-id\":[\"JTI={cred}\"]");
        if let Some((pod, pod_uid, node)) = pod {
            let node_uid = uuid_string(&self.rng.uuid());
            extra.push_str(&format!(
                ",\"authentication.kubernetes.io/node-name\":[\"{node}\"],\"authentication.kubernetes.io/node-uid\":[\"{node_uid}\"],\"authentication.kubernetes.io/pod-name\":[\"{pod}\"],\"authentication.kubernetes.io/pod-uid\":[\"{}\"]",
                uuid_string(pod_uid)
            ));
        }
        extra.push('}');
        let json = format!("{{\"username\":\"{name}\",\"uid\":\"{uid}\",\"groups\":{groups},\"extra\":{extra}}}");
        self.push(name, json, UserKind::Authenticated, reason)
    }

    /// A person: an IAM role session on EKS, an email elsewhere.
    fn human(&mut self, person: &str, company: &str, admin: bool, account: &str) -> usize {
        let (group, reason) = if admin {
            (
                "platform-team",
                rbac_reason(
                    "ClusterRoleBinding",
                    "platform-admins",
                    "ClusterRole",
                    "cluster-admin",
                    "Group \"platform-team\"",
                ),
            )
        } else {
            (
                "developers",
                rbac_reason(
                    "ClusterRoleBinding",
                    "developers",
                    "ClusterRole",
                    "developer",
                    "Group \"developers\"",
                ),
            )
        };
        match self.flavor {
            Flavor::Eks => {
                let role = if admin { "PlatformAdmin" } else { "Developer" };
                let principal = format!("AROA{}", upper_alnum(self.rng, 17));
                let key = format!("ASIA{}", upper_alnum(self.rng, 16));
                let arn = format!("arn:aws:sts::{account}:assumed-role/{role}/{person}");
                let json = format!(
                    "{{\"username\":\"{arn}\",\"uid\":\"aws-iam-authenticator:{account}:{principal}\",\"groups\":{},\"extra\":{{\"accessKeyId\":[\"{key}\"],\"arn\":[\"{arn}\"],\"canonicalArn\":[\"arn:aws:iam::{account}:role/{role}\"],\"principalId\":[\"{principal}\"],\"sessionName\":[\"{person}\"],\"sigs.k8s.io/aws-iam-authenticator/principalId\":[\"{principal}\"]}}}}",
                    json_list(&[group, "system:authenticated"])
                );
                self.push(arn, json, UserKind::Authenticated, reason)
            }
            Flavor::Aks => {
                let name = format!("{person}@{company}");
                let gid = uuid_string(&self.rng.uuid());
                let oid = uuid_string(&self.rng.uuid());
                let json = format!(
                    "{{\"username\":\"{name}\",\"uid\":\"{oid}\",\"groups\":{},\"extra\":{{\"oid\":[\"{oid}\"]}}}}",
                    json_list(&[&gid, "system:authenticated"])
                );
                self.push(name, json, UserKind::Authenticated, reason)
            }
            Flavor::Gke | Flavor::Vanilla => {
                let name = format!("{person}@{company}");
                let json = format!(
                    "{{\"username\":\"{name}\",\"groups\":{}}}",
                    json_list(&[group, "system:authenticated"])
                );
                self.push(name, json, UserKind::Authenticated, reason)
            }
        }
    }

    /// A user known by name with fixed groups (control plane components, kubelets).
    fn plain(&mut self, name: &str, groups: &[&str], reason: String) -> usize {
        let json = format!("{{\"username\":\"{name}\",\"groups\":{}}}", json_list(groups));
        self.push(name.to_owned(), json, UserKind::Authenticated, reason)
    }
}

impl Cluster {
    /// Build cluster number `index` (0-based) of a run.
    #[allow(clippy::too_many_lines)] // one recipe, read top to bottom
    pub(crate) fn build(index: usize, flavor: Flavor, company: &'static str, rng: &mut Rng) -> Cluster {
        let octet = 16 + u8::try_from(index % 200).unwrap_or(0);
        let base = BASE_NAMES[index % BASE_NAMES.len()];
        let display = if index < BASE_NAMES.len() {
            base.to_owned()
        } else {
            format!("{base}-{}", index / BASE_NAMES.len() + 1)
        };
        let region_aws = *rng.pick(REGIONS_AWS);
        let region_gcp = *rng.pick(REGIONS_GCP);
        let aws_account = format!("{}{}", 1 + rng.below(9), digits(rng, 11));
        let company_short = company.split('.').next().unwrap_or(company).replace('-', "");
        let gcp_project = format!("{company_short}-{display}");
        let subscription = uuid_string(&rng.uuid()).to_uppercase();
        let aks_name = format!("aks-{display}");
        let name = match flavor {
            Flavor::Vanilla | Flavor::Gke => display.clone(),
            Flavor::Eks => format!("{display}-eks"),
            Flavor::Aks => aks_name.clone(),
        };
        let aks_resource_id = format!(
            "/SUBSCRIPTIONS/{subscription}/RESOURCEGROUPS/RG-{}/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/{}",
            display.to_uppercase(),
            aks_name.to_uppercase()
        );
        let mut b = Builder {
            rng,
            flavor,
            users: Vec::new(),
        };
        b.push(
            "system:anonymous".into(),
            r#"{"username":"system:anonymous","groups":["system:unauthenticated"]}"#.into(),
            UserKind::Anonymous,
            public_info_reason(),
        );
        b.push(String::new(), "{}".into(), UserKind::Unauthenticated, String::new());

        // Nodes and their kubelets.
        let node_count = b.rng.range(3, 10) as usize;
        let gke_pool = hex(b.rng, 8);
        let aks_pool = digits(b.rng, 8);
        let mut nodes = Vec::with_capacity(node_count);
        for n in 0..node_count {
            let third = 1 + b.rng.below(3);
            let fourth = 10 + b.rng.below(240);
            let ip = format!("10.{octet}.{third}.{fourth}");
            let node_name = match flavor {
                Flavor::Vanilla => format!("{display}-worker-{:02}", n + 1),
                Flavor::Eks => format!("ip-10-{octet}-{third}-{fourth}.{region_aws}.compute.internal"),
                Flavor::Gke => format!("gke-{display}-default-pool-{gke_pool}-{}", suffix(b.rng, 4)),
                Flavor::Aks => format!("aks-nodepool1-{aks_pool}-vmss{n:06}"),
            };
            let user = if flavor == Flavor::Eks {
                let instance = format!("i-0{}", hex(b.rng, 16));
                let principal = format!("AROA{}", upper_alnum(b.rng, 17));
                let key = format!("ASIA{}", upper_alnum(b.rng, 16));
                let arn = format!("arn:aws:sts::{aws_account}:assumed-role/eks-node-role/{instance}");
                let uname = format!("system:node:{node_name}");
                let json = format!(
                    "{{\"username\":\"{uname}\",\"uid\":\"aws-iam-authenticator:{aws_account}:{principal}\",\"groups\":[\"system:bootstrappers\",\"system:nodes\",\"system:authenticated\"],\"extra\":{{\"accessKeyId\":[\"{key}\"],\"arn\":[\"{arn}\"],\"canonicalArn\":[\"arn:aws:iam::{aws_account}:role/eks-node-role\"],\"principalId\":[\"{principal}\"],\"sessionName\":[\"{instance}\"]}}}}"
                );
                b.push(uname, json, UserKind::Authenticated, String::new())
            } else {
                b.plain(
                    &format!("system:node:{node_name}"),
                    &["system:nodes", "system:authenticated"],
                    String::new(),
                )
            };
            nodes.push(Node {
                name: node_name,
                ip,
                user,
            });
        }

        // Control plane.
        let control_plane_ip = match flavor {
            Flavor::Vanilla => format!("10.{octet}.0.10"),
            Flavor::Eks | Flavor::Gke | Flavor::Aks => format!("10.{octet}.0.{}", 2 + b.rng.below(6)),
        };
        let kcm = b.plain(
            "system:kube-controller-manager",
            &["system:authenticated"],
            rbac_reason(
                "ClusterRoleBinding",
                "system:kube-controller-manager",
                "ClusterRole",
                "system:kube-controller-manager",
                "User \"system:kube-controller-manager\"",
            ),
        );
        let scheduler = b.plain(
            "system:kube-scheduler",
            &["system:authenticated"],
            rbac_reason(
                "ClusterRoleBinding",
                "system:kube-scheduler",
                "ClusterRole",
                "system:kube-scheduler",
                "User \"system:kube-scheduler\"",
            ),
        );
        let mut controllers = Vec::new();
        for &c in KCM_CONTROLLERS {
            let reason = rbac_reason(
                "ClusterRoleBinding",
                &format!("system:controller:{c}"),
                "ClusterRole",
                &format!("system:controller:{c}"),
                &format!("ServiceAccount \"{c}/kube-system\""),
            );
            let u = b.service_account("kube-system", c, None, reason);
            controllers.push((u, c));
        }
        if flavor == Flavor::Eks {
            for &c in EKS_COMPONENTS {
                let reason = rbac_reason("ClusterRoleBinding", c, "ClusterRole", c, &format!("User \"{c}\""));
                let u = b.plain(c, &["system:authenticated"], reason);
                controllers.push((u, c));
            }
        }

        // Namespaces, deployments and pods.
        let mut app_namespaces: Vec<String> = Vec::new();
        let app_count = b.rng.range(3, 6) as usize;
        let mut pool: Vec<&str> = APP_NAMESPACES.to_vec();
        b.rng.shuffle(&mut pool);
        for ns in pool.iter().take(app_count) {
            app_namespaces.push((*ns).to_owned());
        }
        let registry = match flavor {
            Flavor::Vanilla => format!("harbor.{company}"),
            Flavor::Eks => format!("{aws_account}.dkr.ecr.{region_aws}.amazonaws.com"),
            Flavor::Gke => format!("{region_gcp}-docker.pkg.dev/{gcp_project}/apps"),
            Flavor::Aks => format!("{company_short}acr.azurecr.io"),
        };
        let mut deployments = Vec::new();
        let mut pods = Vec::new();
        let mut used_pod_ips = std::collections::HashSet::new();
        for ns in &app_namespaces {
            let count = b.rng.range(2, 4) as usize;
            let mut names: Vec<&str> = APP_NAMES.to_vec();
            b.rng.shuffle(&mut names);
            for app in names.iter().take(count) {
                let hash = suffix(b.rng, 10);
                let version = format!("{}.{}.{}", b.rng.range(1, 4), b.rng.below(20), b.rng.below(10));
                let image = match b.rng.below(10) {
                    0 => format!("10.{octet}.0.30:5000/{ns}/{app}:{version}"),
                    _ => format!("{registry}/{ns}/{app}:{version}"),
                };
                let reason = rbac_reason(
                    "RoleBinding",
                    &format!("{app}/{ns}"),
                    "Role",
                    app,
                    &format!("ServiceAccount \"{app}/{ns}\""),
                );
                let deployment = deployments.len();
                let replicas = b.rng.range(1, 3);
                for _ in 0..replicas {
                    let pod_name = format!("{app}-{hash}-{}", suffix(b.rng, 5));
                    let pod_uid = b.rng.uuid();
                    let node = b.rng.index(nodes.len());
                    let ip = loop {
                        let ip = format!("10.{octet}.{}.{}", 128 + b.rng.below(128), 2 + b.rng.below(252));
                        if used_pod_ips.insert(ip.clone()) {
                            break ip;
                        }
                    };
                    let user =
                        b.service_account(ns, app, Some((&pod_name, &pod_uid, &nodes[node].name)), reason.clone());
                    pods.push(Pod {
                        namespace: ns.clone(),
                        name: pod_name,
                        uid: pod_uid,
                        node,
                        ip,
                        container: (*app).to_owned(),
                        user,
                        deployment,
                    });
                }
                deployments.push(Deployment {
                    namespace: ns.clone(),
                    name: (*app).to_owned(),
                    hash,
                    image,
                });
            }
        }
        let dns_hash = suffix(b.rng, 10);
        let mut system_pods = vec![
            format!("coredns-{dns_hash}-{}", suffix(b.rng, 5)),
            format!("coredns-{dns_hash}-{}", suffix(b.rng, 5)),
            format!("metrics-server-{}-{}", suffix(b.rng, 10), suffix(b.rng, 5)),
        ];
        for _ in 0..2 {
            system_pods.push(format!("kube-proxy-{}", suffix(b.rng, 5)));
        }
        let coredns_user = b.service_account(
            "kube-system",
            "coredns",
            None,
            rbac_reason(
                "ClusterRoleBinding",
                "system:coredns",
                "ClusterRole",
                "system:coredns",
                "ServiceAccount \"coredns/kube-system\"",
            ),
        );
        let pod_ip = |rng: &mut Rng| format!("10.{octet}.{}.{}", 128 + rng.below(128), 2 + rng.below(252));
        let coredns_ip = pod_ip(b.rng);

        // Operators.
        let mut operators = Vec::new();
        let specs: &[OperatorSpec] = &[
            (
                "monitoring",
                "prometheus-k8s",
                "Prometheus/2.53.0",
                &[PODS, SERVICES, ENDPOINTS, ENDPOINTSLICES],
                true,
                true,
            ),
            (
                "monitoring",
                "kube-state-metrics",
                "kube-state-metrics/v2.12.0 (linux/amd64) kubernetes/$Format",
                &[
                    PODS,
                    DEPLOYMENTS,
                    REPLICASETS,
                    NODES,
                    NAMESPACES,
                    SERVICES,
                    JOBS,
                    CRONJOBS,
                    DAEMONSETS,
                    STATEFULSETS,
                    PVCS,
                    HPAS,
                    PDBS,
                    CONFIGMAPS,
                    SECRETS,
                    INGRESSES,
                    LEASES,
                ],
                false,
                false,
            ),
            (
                "cert-manager",
                "cert-manager",
                "cert-manager-controller/v1.15.1 (linux/amd64) cert-manager/9a7c5d8f3e1b0c2d4a6e8f1b3c5d7e9a0b2c4d6e",
                &[CERTIFICATES, SECRETS, INGRESSES, LEASES],
                false,
                false,
            ),
            (
                "ingress-nginx",
                "ingress-nginx",
                "nginx-ingress-controller/v1.10.1 (linux/amd64) ingress-nginx/4fb5aac1dd2ba7ed61c77e0d0d63ed2c2f36dc2e",
                &[INGRESSES, ENDPOINTSLICES, SERVICES, SECRETS, CONFIGMAPS],
                false,
                false,
            ),
            (
                "argocd",
                "argocd-application-controller",
                "argocd-application-controller/v0.0.0 (linux/amd64) kubernetes/$Format",
                &[
                    APPLICATIONS,
                    DEPLOYMENTS,
                    SERVICES,
                    CONFIGMAPS,
                    INGRESSES,
                    SERVICEMONITORS,
                    NETWORKPOLICIES,
                ],
                false,
                false,
            ),
            (
                "kube-system",
                "metrics-server",
                "metrics-server/v0.7.1 (linux/amd64) kubernetes/$Format",
                &[NODES, PODS],
                false,
                false,
            ),
        ];
        for &(ns, sa, ua, reads, scoped, scrapes) in specs {
            let reason = rbac_reason(
                "ClusterRoleBinding",
                sa,
                "ClusterRole",
                sa,
                &format!("ServiceAccount \"{sa}/{ns}\""),
            );
            let user = b.service_account(ns, sa, None, reason);
            operators.push(Operator {
                user,
                ip: pod_ip(b.rng),
                ua: ua.to_owned(),
                reads,
                namespaces: if scoped { app_namespaces.clone() } else { Vec::new() },
                scrapes_metrics: scrapes,
            });
        }

        // People and bots.
        let mut people: Vec<&str> = PEOPLE.to_vec();
        b.rng.shuffle(&mut people);
        let human_count = b.rng.range(5, 12) as usize;
        let mut humans = Vec::new();
        let mut used_vpn = std::collections::HashSet::new();
        for (i, person) in people.iter().take(human_count).enumerate() {
            let admin = i < 2;
            let user = b.human(person, company, admin, &aws_account);
            let host = loop {
                let h = 10 + b.rng.below(240);
                if used_vpn.insert(h) {
                    break h;
                }
            };
            let ua = (*b.rng.pick(KUBECTL_UAS)).to_owned();
            humans.push(Human {
                user,
                ip: format!("192.168.{}.{host}", index % 256),
                ua,
                admin,
            });
        }
        let mut bots = Vec::new();
        let ci_ip = format!("10.{octet}.200.{}", 10 + b.rng.below(200));
        let deployer = match flavor {
            Flavor::Eks => {
                let principal = format!("AROA{}", upper_alnum(b.rng, 17));
                let arn = format!("arn:aws:sts::{aws_account}:assumed-role/github-actions-deploy/GitHubActions");
                let json = format!(
                    "{{\"username\":\"{arn}\",\"uid\":\"aws-iam-authenticator:{aws_account}:{principal}\",\"groups\":[\"deployers\",\"system:authenticated\"],\"extra\":{{\"arn\":[\"{arn}\"],\"canonicalArn\":[\"arn:aws:iam::{aws_account}:role/github-actions-deploy\"],\"principalId\":[\"{principal}\"],\"sessionName\":[\"GitHubActions\"]}}}}"
                );
                let reason = rbac_reason(
                    "ClusterRoleBinding",
                    "deployers",
                    "ClusterRole",
                    "deployer",
                    "Group \"deployers\"",
                );
                b.push(arn, json, UserKind::Authenticated, reason)
            }
            Flavor::Gke => {
                let name = format!("github-deployer@{gcp_project}.iam.gserviceaccount.com");
                let reason = rbac_reason(
                    "ClusterRoleBinding",
                    "deployers",
                    "ClusterRole",
                    "deployer",
                    &format!("User \"{name}\""),
                );
                b.plain(&name, &["system:authenticated"], reason)
            }
            Flavor::Vanilla | Flavor::Aks => {
                let reason = rbac_reason(
                    "ClusterRoleBinding",
                    "ci-deployer",
                    "ClusterRole",
                    "deployer",
                    "ServiceAccount \"deployer/ci\"",
                );
                b.service_account("ci", "deployer", None, reason)
            }
        };
        bots.push(Bot {
            user: deployer,
            ip: ci_ip.clone(),
            ua: (*b
                .rng
                .pick(&["kubectl/v1.30.2 (linux/amd64) kubernetes/39683505", "Helm/3.15.2"]))
            .to_owned(),
        });
        bots.push(Bot {
            user: deployer,
            ip: ci_ip,
            ua: "Helm/3.15.2".to_owned(),
        });
        let flux = b.service_account(
            "flux-system",
            "kustomize-controller",
            None,
            rbac_reason(
                "ClusterRoleBinding",
                "cluster-reconciler-flux-system",
                "ClusterRole",
                "cluster-admin",
                "ServiceAccount \"kustomize-controller/flux-system\"",
            ),
        );
        bots.push(Bot {
            user: flux,
            ip: pod_ip(b.rng),
            ua: "kustomize-controller/v1.3.0 (linux/amd64) flux/v2".to_owned(),
        });

        // Health checkers and version monitors (all unauthenticated, all private).
        let lb_ua: &[&'static str] = match flavor {
            Flavor::Vanilla => &["kube-probe/1.30", "HAProxy health check"],
            Flavor::Eks => &["kube-probe/1.30", "ELB-HealthChecker/2.0"],
            Flavor::Gke => &["kube-probe/1.30", "GoogleHC/1.0"],
            Flavor::Aks => &["kube-probe/1.30", "Load Balancer Agent"],
        };
        let mut health = Vec::new();
        for i in 0..b.rng.range(2, 4) {
            health.push(Checker {
                ip: format!("10.{octet}.0.{}", 20 + i),
                ua: lb_ua[usize::from(i > 0)],
            });
        }
        let mut version_monitors = Vec::new();
        for i in 0..b.rng.range(1, 2) {
            version_monitors.push(Checker {
                ip: format!("10.{octet}.0.{}", 40 + i),
                ua: "Blackbox-Exporter/0.25.0",
            });
        }

        let log_streams = (0..2)
            .map(|_| format!("kube-apiserver-audit-{}", hex(b.rng, 32)))
            .collect();
        let apiservers = (0..2)
            .map(|_| {
                (
                    format!("kube-apiserver-{}-{}", suffix(b.rng, 9), suffix(b.rng, 5)),
                    hex(b.rng, 64),
                )
            })
            .collect();
        let scheduler_instance = format!("default-scheduler-{}-{}", suffix(b.rng, 9), suffix(b.rng, 5));
        let users = std::mem::take(&mut b.users);
        Cluster {
            log_group: format!("/aws/eks/{name}/cluster"),
            name,
            users,
            nodes,
            app_namespaces,
            deployments,
            pods,
            system_pods,
            control_plane_ip,
            kcm,
            scheduler,
            controllers,
            coredns: (coredns_user, coredns_ip),
            operators,
            humans,
            bots,
            health,
            version_monitors,
            exposed_namespace: "monitoring",
            aws_account,
            log_streams,
            gcp_project,
            gke_location: region_gcp,
            aks_resource_id,
            apiservers,
            octet,
            scheduler_instance,
        }
    }
}

/// The company (and e-mail domain) of a run.
pub(crate) fn company(rng: &mut Rng) -> &'static str {
    rng.choose(COMPANIES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_user_is_valid_json_and_clusters_do_not_share_addresses() {
        let mut rng = Rng::new(5);
        let mut seen = std::collections::HashSet::new();
        for (i, flavor) in [Flavor::Vanilla, Flavor::Eks, Flavor::Gke, Flavor::Aks]
            .into_iter()
            .enumerate()
        {
            let c = Cluster::build(i, flavor, "acme.io", &mut rng);
            for u in &c.users {
                let v: serde_json::Value = serde_json::from_str(&u.json).unwrap();
                if u.kind == UserKind::Authenticated {
                    assert_eq!(v["username"], u.name.as_str());
                }
            }
            for n in &c.nodes {
                assert!(n.ip.starts_with(&format!("10.{}.", c.octet)));
                seen.insert(n.ip.clone());
            }
            assert!(!c.pods.is_empty());
            assert!(c.pods.iter().all(|p| p.ip.starts_with("10.")));
        }
        let mut rng = Rng::new(5);
        let a = Cluster::build(0, Flavor::Eks, "acme.io", &mut rng);
        let b = Cluster::build(1, Flavor::Eks, "acme.io", &mut rng);
        assert_ne!(a.name, b.name);
        assert_ne!(a.octet, b.octet);
    }
}
