//! The output formats, and the writer that lays records out in them: one line per record, or
//! per batch for the formats that batch (webhook `EventList`s, CloudWatch Logs deliveries).

use std::io::{self, Write};

use tripline_ingest::{
    SOURCE_KUBERNETES, SOURCETYPE_AZURE_BLOB, SOURCETYPE_EKS, SOURCETYPE_GCP_PUBSUB, SOURCETYPE_JSON,
    SOURCETYPE_KUBE_EVENTS,
};

use crate::audit::{Render, Req, write_audit, write_gke};
use crate::model::{Cluster, Flavor};
use crate::objects::{ObjEv, write_event, write_watch};
use crate::rng::Rng;
use crate::text::{NANOS, push_escaped, push_padded, push_u64};

/// An output format: one of the input shapes Tripline reads (`docs/inputs.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// Kubernetes audit events, one JSON object per line, as the API server's log backend
    /// (`--audit-log-path`) writes them.
    Raw,
    /// Audit webhook bodies: `audit.k8s.io/v1` `EventList` batches, one per line.
    EventList,
    /// Amazon EKS: CloudWatch Logs subscription deliveries (`logEvents[].message` holding the
    /// audit event) of the log group `/aws/eks/<cluster>/cluster`, one per line.
    Eks,
    /// Google GKE: Cloud Audit Log `LogEntry`s (`protoPayload`, `resource.labels.cluster_name`),
    /// one per line, as a log sink exports them.
    Gke,
    /// Azure AKS: diagnostic records of category `kube-audit` (the audit event a JSON string in
    /// `properties.log`), one per line, as a storage account receives them.
    Aks,
    /// Kubernetes core `v1` Event objects, one per line (object events only).
    Events,
    /// Watch events `{"type":"ADDED","object":{Event}}`, one per line, the stream Splunk Connect
    /// for Kubernetes indexes (object events only).
    Sck,
}

impl Format {
    /// Every format, in documentation order.
    pub const ALL: [Format; 7] = [
        Format::Raw,
        Format::EventList,
        Format::Eks,
        Format::Gke,
        Format::Aks,
        Format::Events,
        Format::Sck,
    ];

    /// The name used on the command line and in labels.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Format::Raw => "raw",
            Format::EventList => "eventlist",
            Format::Eks => "eks",
            Format::Gke => "gke",
            Format::Aks => "aks",
            Format::Events => "events",
            Format::Sck => "sck",
        }
    }

    /// The format with this [`Format::name`].
    #[must_use]
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Whether the format carries audit events (all but `events` and `sck`).
    #[must_use]
    pub fn carries_audit(self) -> bool {
        !matches!(self, Format::Events | Format::Sck)
    }

    /// The `sourcetype` Tripline's ingest gives its audit records (object events are always
    /// `kube:objects:events`).
    #[must_use]
    pub fn sourcetype(self) -> &'static str {
        match self {
            Format::Raw | Format::EventList => SOURCETYPE_JSON,
            Format::Eks => SOURCETYPE_EKS,
            Format::Gke => SOURCETYPE_GCP_PUBSUB,
            Format::Aks => SOURCETYPE_AZURE_BLOB,
            Format::Events | Format::Sck => SOURCETYPE_KUBE_EVENTS,
        }
    }

    /// The `source` Tripline's ingest gives its audit records, when it does not come from the
    /// input's name (`kubernetes` for raw audit; the log group for EKS).
    #[must_use]
    pub fn source(self) -> Option<&'static str> {
        matches!(self, Format::Raw | Format::EventList).then_some(SOURCE_KUBERNETES)
    }

    /// The platform whose names, identities and metadata the clusters get.
    pub(crate) fn flavor(self) -> Flavor {
        match self {
            Format::Eks => Flavor::Eks,
            Format::Gke => Flavor::Gke,
            Format::Aks => Flavor::Aks,
            Format::Raw | Format::EventList | Format::Events | Format::Sck => Flavor::Vanilla,
        }
    }

    /// Average bytes per record, a little over what the generator writes: `--size` plans its
    /// attacks with it, and over-estimating only moves them earlier.
    pub(crate) fn record_bytes(self) -> u64 {
        match self {
            Format::Raw | Format::EventList => 1000,
            Format::Eks => 1450,
            Format::Gke => 1300,
            Format::Aks => 1650,
            Format::Events | Format::Sck => 900,
        }
    }
}

/// A batch being filled (an `EventList` or a CloudWatch delivery) for one cluster.
#[derive(Debug, Default)]
struct Batch {
    buf: Vec<u8>,
    count: u32,
    limit: u32,
    opened: i64,
}

/// Writes records in one format.
pub(crate) struct Writer<'o> {
    format: Format,
    main: &'o mut dyn Write,
    objects: Option<&'o mut dyn Write>,
    /// Bytes written to the main output, batches still open excluded.
    pub(crate) main_bytes: u64,
    pub(crate) object_bytes: u64,
    pub(crate) audit_records: u64,
    pub(crate) object_records: u64,
    line: Vec<u8>,
    scratch: Vec<u8>,
    batches: Vec<Batch>,
    pending: u64,
    render: Render,
    rng: Rng,
}

/// How long a batch may stay open, nanoseconds: the webhook's maximum wait, or CloudWatch's
/// delivery interval.
fn batch_window(format: Format) -> i64 {
    if format == Format::EventList {
        30 * NANOS
    } else {
        5 * NANOS
    }
}

impl<'o> Writer<'o> {
    pub(crate) fn new(
        format: Format,
        clusters: usize,
        main: &'o mut dyn Write,
        objects: Option<&'o mut dyn Write>,
        rng: Rng,
    ) -> Self {
        Writer {
            format,
            main,
            objects,
            main_bytes: 0,
            object_bytes: 0,
            audit_records: 0,
            object_records: 0,
            line: Vec::with_capacity(8192),
            scratch: Vec::with_capacity(4096),
            batches: (0..clusters).map(|_| Batch::default()).collect(),
            pending: 0,
            render: Render::default(),
            rng,
        }
    }

    /// Bytes of the main output so far, open batches included.
    pub(crate) fn bytes(&self) -> u64 {
        self.main_bytes + self.pending
    }

    /// Write one audit record.
    pub(crate) fn audit(&mut self, r: &Req, c: &Cluster) -> io::Result<()> {
        self.audit_records += 1;
        self.line.clear();
        match self.format {
            Format::Raw => {
                write_audit(&mut self.line, r, c, &mut self.render);
                self.line.push(b'\n');
            }
            Format::Gke => {
                let insert = self.rng.uuid();
                write_gke(&mut self.line, r, c, &insert, &mut self.render);
                self.line.push(b'\n');
            }
            Format::Aks => {
                self.scratch.clear();
                write_audit(&mut self.scratch, r, c, &mut self.render);
                let (pod, container) = &c.apiservers[self.rng.index(c.apiservers.len())];
                self.line.extend_from_slice(
                    br#"{"category":"kube-audit","operationName":"Microsoft.ContainerService/managedClusters/diagnosticLogs/Read","properties":{"containerID":""#,
                );
                self.line.extend_from_slice(container.as_bytes());
                self.line.extend_from_slice(br#"","log":""#);
                push_escaped(&mut self.line, &self.scratch);
                self.line.extend_from_slice(br#"","pod":""#);
                self.line.extend_from_slice(pod.as_bytes());
                self.line.extend_from_slice(br#"","stream":"stdout"},"resourceId":""#);
                self.line.extend_from_slice(c.aks_resource_id.as_bytes());
                self.line.extend_from_slice(br#"","time":""#);
                let written = r.completed + self.rng.range(2_000_000, 60_000_000) as i64;
                self.render.time.micros(&mut self.line, written);
                self.line.extend_from_slice(b"\"}\n");
            }
            Format::EventList | Format::Eks => return self.batched(r, c),
            Format::Events | Format::Sck => {
                self.audit_records -= 1;
                return Ok(());
            }
        }
        self.main.write_all(&self.line)?;
        self.main_bytes += self.line.len() as u64;
        Ok(())
    }

    fn batched(&mut self, r: &Req, c: &Cluster) -> io::Result<()> {
        let window = batch_window(self.format);
        let ci = r.cluster;
        if self.batches[ci].count > 0 && r.completed - self.batches[ci].opened > window {
            self.flush_batch(ci)?;
        }
        let start_len = self.batches[ci].buf.len();
        if self.batches[ci].count == 0 {
            let limit = if self.format == Format::EventList {
                self.rng.range(50, 400)
            } else {
                self.rng.range(8, 120)
            } as u32;
            let stream = c.log_streams[self.rng.index(c.log_streams.len())].as_str();
            let b = &mut self.batches[ci];
            b.limit = limit;
            b.opened = r.completed;
            b.buf.clear();
            if self.format == Format::EventList {
                b.buf.extend_from_slice(
                    br#"{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":["#,
                );
            } else {
                b.buf.extend_from_slice(br#"{"messageType":"DATA_MESSAGE","owner":""#);
                b.buf.extend_from_slice(c.aws_account.as_bytes());
                b.buf.extend_from_slice(br#"","logGroup":""#);
                b.buf.extend_from_slice(c.log_group.as_bytes());
                b.buf.extend_from_slice(br#"","logStream":""#);
                b.buf.extend_from_slice(stream.as_bytes());
                b.buf
                    .extend_from_slice(br#"","subscriptionFilters":["tripline-audit"],"logEvents":["#);
            }
        } else {
            self.batches[ci].buf.push(b',');
        }
        if self.format == Format::EventList {
            write_audit(&mut self.batches[ci].buf, r, c, &mut self.render);
        } else {
            self.scratch.clear();
            write_audit(&mut self.scratch, r, c, &mut self.render);
            let id = [
                self.rng.below(1_000_000_000_000_000_000),
                self.rng.below(1_000_000_000_000_000_000),
            ];
            let b = &mut self.batches[ci];
            b.buf.extend_from_slice(br#"{"id":""#);
            push_padded(&mut b.buf, 3 + self.rng.below(7), 1);
            push_padded(&mut b.buf, id[0], 18);
            push_padded(&mut b.buf, id[1], 18);
            push_padded(&mut b.buf, self.rng.below(1_000_000_000_000_000_000), 18);
            push_padded(&mut b.buf, self.rng.below(10), 1);
            b.buf.extend_from_slice(br#"","timestamp":"#);
            push_u64(&mut b.buf, (r.completed / 1_000_000) as u64);
            b.buf.extend_from_slice(br#","message":""#);
            push_escaped(&mut b.buf, &self.scratch);
            b.buf.extend_from_slice(br#""}"#);
        }
        let b = &mut self.batches[ci];
        self.pending += (b.buf.len() - start_len) as u64;
        b.count += 1;
        if b.count >= b.limit {
            self.flush_batch(ci)?;
        }
        Ok(())
    }

    fn flush_batch(&mut self, ci: usize) -> io::Result<()> {
        let b = &mut self.batches[ci];
        if b.count == 0 {
            return Ok(());
        }
        b.buf.extend_from_slice(b"]}\n");
        self.main.write_all(&b.buf)?;
        self.main_bytes += b.buf.len() as u64;
        // The closing bracket was never counted as pending.
        self.pending -= (b.buf.len() - 3) as u64;
        b.buf.clear();
        b.count = 0;
        Ok(())
    }

    /// Write one object event: to the objects output when there is one, else to the main output.
    pub(crate) fn object(&mut self, e: &ObjEv) -> io::Result<()> {
        self.object_records += 1;
        self.line.clear();
        if self.format == Format::Sck {
            write_watch(&mut self.line, e, &mut self.render.time);
        } else {
            write_event(&mut self.line, e, &mut self.render.time);
        }
        self.line.push(b'\n');
        match &mut self.objects {
            Some(out) if self.format.carries_audit() => {
                out.write_all(&self.line)?;
                self.object_bytes += self.line.len() as u64;
            }
            _ => {
                self.main.write_all(&self.line)?;
                self.main_bytes += self.line.len() as u64;
            }
        }
        Ok(())
    }

    /// Close every open batch and flush the outputs.
    pub(crate) fn finish(&mut self) -> io::Result<()> {
        for ci in 0..self.batches.len() {
            self.flush_batch(ci)?;
        }
        self.main.flush()?;
        if let Some(out) = &mut self.objects {
            out.flush()?;
        }
        Ok(())
    }
}
