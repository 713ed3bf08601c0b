//! The log shapes Tripline recognises, and the Splunk metadata each one gets.

use std::fmt;

/// `sourcetype` of raw Kubernetes audit events and of other JSON (the `kube_audit` macro reads
/// `source="kubernetes"`).
pub const SOURCETYPE_JSON: &str = "_json";
/// `sourcetype` of EKS control-plane logs read from CloudWatch (the `aws_cloudwatchlogs_eks` macro).
pub const SOURCETYPE_EKS: &str = "aws:cloudwatchlogs:eks";
/// `sourcetype` of CloudWatch log events from a log group that is not an EKS one.
pub const SOURCETYPE_CLOUDWATCH: &str = "aws:cloudwatchlogs";
/// `sourcetype` of Pub/Sub messages as Splunk's GCP add-on indexes them (`google_gcp_pubsub_message`).
pub const SOURCETYPE_GCP_PUBSUB: &str = "google:gcp:pubsub:message";
/// `sourcetype` of Azure diagnostic records read from blob storage (`kubernetes_azure`).
pub const SOURCETYPE_AZURE_BLOB: &str = "mscs:storage:blob:json";
/// `sourcetype` of Kubernetes Events from Splunk Connect for Kubernetes (`kube_objects_events`).
pub const SOURCETYPE_KUBE_EVENTS: &str = "kube:objects:events";
/// `sourcetype` of lines that are not JSON.
pub const SOURCETYPE_TEXT: &str = "text";
/// `source` of raw Kubernetes audit events.
pub const SOURCE_KUBERNETES: &str = "kubernetes";

/// The shape an event was recognised as. `docs/inputs.md` gives the rule, metadata and `_time`
/// of each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Shape {
    /// A Kubernetes audit event (`audit.k8s.io` `Event`, v1 or v1beta1), alone or as an item of
    /// an audit `EventList` (the webhook body).
    Audit,
    /// An EKS audit event exported one per line: an audit event carrying EKS hints (Panther's
    /// `p_log_type: Amazon.EKS.Audit`, an `eks:` user, IAM identity in `user.extra`), or one that
    /// follows such an event in the same input.
    EksAudit,
    /// A log event from CloudWatch Logs: a subscription-filter envelope (`logEvents[].message`,
    /// also base64 and gzip as delivered to Lambda and Firehose), `aws logs filter-log-events` /
    /// `get-log-events` output, or an S3 export line (`<timestamp> <message>`).
    CloudWatch,
    /// A Cloud Audit Log `LogEntry` (`protoPayload`) from GKE, nested under `data` as Splunk's GCP
    /// add-on indexes Pub/Sub messages.
    GkeLogEntry,
    /// A Pub/Sub message: the add-on's form (`data` holds the `LogEntry`), or a push, pull or
    /// Cloud Functions message with base64 `data`, decoded into the add-on's form.
    GkePubsub,
    /// An AKS diagnostic record of category `kube-audit` or `kube-audit-admin`.
    AksAudit,
    /// Another Azure diagnostic or activity-log record (`category` and `operationName`).
    AzureRecord,
    /// A core `v1` Kubernetes Event, alone or from an `EventList`, nested under `object` as Splunk
    /// Connect for Kubernetes indexes it.
    KubeEvent,
    /// An `events.k8s.io/v1` Event, converted to the core `v1` field names and nested under
    /// `object`.
    KubeEventV1,
    /// A watch event (`{"type": ..., "object": Event}`), the form Splunk Connect for Kubernetes
    /// indexes.
    KubeEventWatch,
    /// Any other JSON.
    Json,
    /// A line that is not JSON.
    Text,
}

impl Shape {
    /// Every shape, in documentation order.
    pub const ALL: [Shape; 12] = [
        Shape::Audit,
        Shape::EksAudit,
        Shape::CloudWatch,
        Shape::GkeLogEntry,
        Shape::GkePubsub,
        Shape::AksAudit,
        Shape::AzureRecord,
        Shape::KubeEvent,
        Shape::KubeEventV1,
        Shape::KubeEventWatch,
        Shape::Json,
        Shape::Text,
    ];

    /// A stable snake-case name, used in summaries and documentation.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Shape::Audit => "audit",
            Shape::EksAudit => "eks_audit",
            Shape::CloudWatch => "cloudwatch",
            Shape::GkeLogEntry => "gke_log_entry",
            Shape::GkePubsub => "gke_pubsub",
            Shape::AksAudit => "aks_audit",
            Shape::AzureRecord => "azure_record",
            Shape::KubeEvent => "kube_event",
            Shape::KubeEventV1 => "kube_event_v1",
            Shape::KubeEventWatch => "kube_event_watch",
            Shape::Json => "json",
            Shape::Text => "text",
        }
    }

    /// The shape with this [`Shape::name`].
    #[must_use]
    pub fn from_name(name: &str) -> Option<Shape> {
        Shape::ALL.into_iter().find(|s| s.name() == name)
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
