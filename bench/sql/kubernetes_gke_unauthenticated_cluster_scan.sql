-- Mirrors content/detections/kubernetes_gke_unauthenticated_cluster_scan.yml
-- (Kubernetes GKE Unauthenticated Cluster Scan).
-- key: src_ip, cluster_name
SELECT
    src_ip,
    cluster_name,
    count(*) AS count,
    ctime(min(_time)) AS firstTime,
    ctime(max(_time)) AS lastTime,
    count(DISTINCT data.protoPayload.resourceName) AS resource_count,
    vals(data.protoPayload.resourceName) AS resource_name,
    vals(data.protoPayload.methodName) AS method_name,
    vals(CAST(data.protoPayload.status.code AS VARCHAR)) AS status_code,
    vals(data.protoPayload.requestMetadata.callerSuppliedUserAgent) AS http_user_agent,
    vals(data."resource".labels.project_id) AS project_id
FROM (
    SELECT *,
        data.protoPayload.requestMetadata.callerIp AS src_ip,
        coalesce(data."resource".labels.cluster_name, 'unknown') AS cluster_name
    FROM gke
    WHERE ci_eq(sourcetype, 'google:gcp:pubsub:message')
      AND ci_eq(data.protoPayload.serviceName, 'k8s.io')
      AND (ci_eq(data.protoPayload.authenticationInfo.principalEmail, 'system:anonymous')
           OR coalesce(data.protoPayload.status.code = 16, false))
      AND (coalesce(data.protoPayload.status.code IN (7, 16), false)
           OR ci_eq(data.labels."authorization.k8s.io/decision", 'forbid'))
      AND NOT (ci_eq(data.protoPayload.requestMetadata.callerIp, '127.0.0.1')
               OR ci_eq(data.protoPayload.requestMetadata.callerIp, '::1'))
)
WHERE src_ip IS NOT NULL
GROUP BY src_ip, cluster_name
HAVING count(DISTINCT data.protoPayload.resourceName) >= 3
