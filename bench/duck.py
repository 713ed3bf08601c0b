"""Run the bench's SQL mirrors of the built-in detections in DuckDB.

The rule files in bench/sql/ read four views that give DuckDB the events as Tripline sees them
(docs/inputs.md), with Splunk's default fields `_time`, `source`, `sourcetype` and `host`:

  audit    Kubernetes audit events: raw audit log lines (sourcetype `_json`, source `kubernetes`)
           and the messages of EKS CloudWatch Logs envelopes (sourcetype `aws:cloudwatchlogs:eks`,
           source the log group).
  objects  Kubernetes core v1 Events, nested under `object` as Tripline nests them
           (sourcetype `kube:objects:events`).
  gke      GKE Cloud Audit LogEntries, nested under `data` (sourcetype `google:gcp:pubsub:message`).
  aks      AKS kube-audit diagnostic records with the audit event of `properties.log` unpacked
           next to the record's own fields, as the rules' `spath input=properties.log` does
           (sourcetype `mscs:storage:blob:json`).

Every file is read with `read_ndjson` and an explicit schema holding only the fields some rule
uses. A view with no input files reads /dev/null, so it is empty but has its columns.

Two ways to run:
  scan  every rule's query reads the files itself (one scan of a file per rule that uses it);
  load  each view is first loaded once into an in-memory table, then the rules query the tables.

Results go to --out as JSON lines {"rule": <file stem>, "row": {column: value}}; a summary of
rows and seconds per rule goes to stderr.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import duckdb

# Only the fields the rules read, typed as they appear in the audit.k8s.io/v1 schema.
AUDIT_EVENT = {
    "requestURI": "VARCHAR",
    "verb": "VARCHAR",
    "user": "STRUCT(username VARCHAR, groups VARCHAR[])",
    "sourceIPs": "VARCHAR[]",
    "userAgent": "VARCHAR",
    "objectRef": "STRUCT(resource VARCHAR, namespace VARCHAR, subresource VARCHAR)",
    "responseStatus": "STRUCT(code BIGINT, message VARCHAR)",
    "annotations": 'STRUCT("authorization.k8s.io/decision" VARCHAR)',
    "requestReceivedTimestamp": "TIMESTAMP",
    "stageTimestamp": "TIMESTAMP",
}

# The same event as a json_structure, for audit events that arrive as JSON text inside another
# record (EKS envelopes, AKS properties.log).
AUDIT_STRUCTURE = json.dumps({
    "requestURI": "VARCHAR",
    "verb": "VARCHAR",
    "user": {"username": "VARCHAR", "groups": ["VARCHAR"]},
    "sourceIPs": ["VARCHAR"],
    "userAgent": "VARCHAR",
    "objectRef": {"resource": "VARCHAR", "namespace": "VARCHAR", "subresource": "VARCHAR"},
    "responseStatus": {"code": "BIGINT", "message": "VARCHAR"},
    "annotations": {"authorization.k8s.io/decision": "VARCHAR"},
    "requestReceivedTimestamp": "TIMESTAMP",
    "stageTimestamp": "TIMESTAMP",
})

AUDIT_FIELDS = ", ".join(f'"{k}"' for k in AUDIT_EVENT)

OBJECT_EVENT = {
    "reason": "VARCHAR",
    "message": "VARCHAR",
    "involvedObject": "STRUCT(namespace VARCHAR, name VARCHAR)",
    "source": "STRUCT(host VARCHAR)",
    "reportingInstance": "VARCHAR",
    "lastTimestamp": "TIMESTAMP",
    "series": "STRUCT(lastObservedTime TIMESTAMP)",
    "eventTime": "TIMESTAMP",
    "firstTimestamp": "TIMESTAMP",
    "metadata": "STRUCT(creationTimestamp TIMESTAMP)",
}

GKE_ENTRY = {
    "protoPayload": (
        "STRUCT(serviceName VARCHAR, methodName VARCHAR, resourceName VARCHAR, "
        "authenticationInfo STRUCT(principalEmail VARCHAR), "
        "requestMetadata STRUCT(callerIp VARCHAR, callerSuppliedUserAgent VARCHAR), "
        "status STRUCT(code BIGINT))"
    ),
    "labels": 'STRUCT("authorization.k8s.io/decision" VARCHAR)',
    "resource": "STRUCT(labels STRUCT(cluster_name VARCHAR, project_id VARCHAR))",
    "timestamp": "TIMESTAMP",
    "receiveTimestamp": "TIMESTAMP",
}

AKS_RECORD = {
    "category": "VARCHAR",
    "resourceId": "VARCHAR",
    "time": "TIMESTAMP",
    "properties": "STRUCT(log VARCHAR)",
}

EKS_ENVELOPE = {
    "logGroup": "VARCHAR",
    "logEvents": "STRUCT(timestamp BIGINT, message VARCHAR)[]",
}

# Helpers the rule files use: Splunk `search` compares case-insensitively and a comparison with a
# missing field is false; values() is distinct and sorted; security_content_ctime renders
# %Y-%m-%dT%H:%M:%S (UTC).
MACROS = [
    "CREATE MACRO ci_eq(x, v) AS coalesce(lower(x) = lower(v), false)",
    "CREATE MACRO mv_ci_eq(l, v) AS "
    "coalesce(list_bool_or(list_transform(l, lambda e: lower(e) = lower(v))), false)",
    "CREATE MACRO vals(x) AS list_sort(list_distinct(array_agg(x)))",
    "CREATE MACRO ctime(t) AS strftime(t, '%Y-%m-%dT%H:%M:%S')",
    # IPv4 text to a number; null when an octet is over 255 (cidrmatch is false then)
    "CREATE MACRO ip4(s) AS CASE WHEN list_bool_and(list_transform(string_split(s, '.'), "
    "lambda o: TRY_CAST(o AS INTEGER) BETWEEN 0 AND 255)) AND len(string_split(s, '.')) = 4 "
    "THEN (CAST(split_part(s, '.', 1) AS BIGINT) << 24) + (CAST(split_part(s, '.', 2) AS BIGINT) << 16) "
    "+ (CAST(split_part(s, '.', 3) AS BIGINT) << 8) + CAST(split_part(s, '.', 4) AS BIGINT) END",
    "CREATE MACRO cidr4(s, net, bits) AS "
    "coalesce(ip4(s) >> (32 - bits) = ip4(net) >> (32 - bits), false)",
]


def columns(schema):
    return "{" + ", ".join(f"'{k}': '{v}'" for k, v in schema.items()) + "}"


def files(paths):
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in (paths or ["/dev/null"])) + "]"


def read(paths, schema):
    return f"read_ndjson({files(paths)}, columns={columns(schema)})"


def view_sql(args):
    """The SELECT behind each view."""
    raw = (
        f"SELECT {AUDIT_FIELDS}, '_json' AS sourcetype, 'kubernetes' AS source, "
        f"'tripline' AS host, coalesce(requestReceivedTimestamp, stageTimestamp) AS _time "
        f"FROM {read(args.audit, AUDIT_EVENT)}"
    )
    eks = (
        f"SELECT {AUDIT_FIELDS}, 'aws:cloudwatchlogs:eks' AS sourcetype, logGroup AS source, "
        f"'tripline' AS host, "
        f"coalesce(make_timestamp(ts * 1000), requestReceivedTimestamp, stageTimestamp) AS _time "
        f"FROM (SELECT logGroup, le.timestamp AS ts, unnest(from_json(le.message, '{AUDIT_STRUCTURE}')) "
        f"FROM (SELECT logGroup, unnest(logEvents) AS le FROM {read(args.eks, EKS_ENVELOPE)}))"
    )
    audit = raw if not args.eks else f"{raw} UNION ALL {eks}"
    objects = (
        "SELECT 'kube:objects:events' AS sourcetype, 'tripline' AS host, "
        "coalesce(lastTimestamp, series.lastObservedTime, eventTime, firstTimestamp, "
        "metadata.creationTimestamp) AS _time, "
        "struct_pack(reason, message, involvedObject, source, reportingInstance) AS object "
        f"FROM {read(args.objects, OBJECT_EVENT)}"
    )
    gke = (
        "SELECT 'google:gcp:pubsub:message' AS sourcetype, 'tripline' AS host, "
        "coalesce(timestamp, receiveTimestamp) AS _time, "
        'struct_pack(protoPayload, labels, "resource") AS data '
        f"FROM {read(args.gke, GKE_ENTRY)}"
    )
    aks = (
        f"SELECT category, resourceId, 'mscs:storage:blob:json' AS sourcetype, 'tripline' AS host, "
        f"coalesce(time, requestReceivedTimestamp, stageTimestamp) AS _time, {AUDIT_FIELDS} "
        f"FROM (SELECT category, resourceId, time, unnest(from_json(properties.log, '{AUDIT_STRUCTURE}')) "
        f"FROM {read(args.aks, AKS_RECORD)})"
    )
    return {"audit": audit, "objects": objects, "gke": gke, "aks": aks}


def to_json(v):
    if isinstance(v, (list, tuple)):
        return [to_json(x) for x in v]
    return v


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sql-dir", required=True, type=Path)
    ap.add_argument("--mode", choices=["scan", "load"], default="scan")
    ap.add_argument("--audit", nargs="*", default=[])
    ap.add_argument("--objects", nargs="*", default=[])
    ap.add_argument("--eks", nargs="*", default=[])
    ap.add_argument("--gke", nargs="*", default=[])
    ap.add_argument("--aks", nargs="*", default=[])
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--count", action="store_true", help="also print the rows of each view (not for timing)")
    args = ap.parse_args()

    con = duckdb.connect()  # in memory, default threads (one per core)
    for m in MACROS:
        con.execute(m)
    log = []
    for name, sql in view_sql(args).items():
        t = time.monotonic()
        if args.mode == "load":
            con.execute(f"CREATE TEMP TABLE {name} AS {sql}")
        else:
            con.execute(f"CREATE VIEW {name} AS {sql}")
        if args.count:
            n = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
            print(f"view {name}: {n} rows", file=sys.stderr)
        if args.mode == "load":
            log.append((f"load {name}", None, time.monotonic() - t))

    with open(args.out, "w") as out:
        for path in sorted(args.sql_dir.glob("*.sql")):
            t = time.monotonic()
            cur = con.execute(path.read_text())
            names = [d[0] for d in cur.description]
            rows = cur.fetchall()
            for r in rows:
                row = {k: to_json(v) for k, v in zip(names, r)}
                out.write(json.dumps({"rule": path.stem, "row": row}) + "\n")
            log.append((path.stem, len(rows), time.monotonic() - t))
    for what, n, secs in log:
        rows = "" if n is None else f"{n:6d} rows"
        print(f"  duckdb {what:52s} {rows:>11s} {secs:7.2f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
