-- Mirrors content/detections/kubernetes_gke_unauthenticated_pod_enumeration.yml
-- (Kubernetes GKE Unauthenticated Pod Enumeration).
-- key: src_ip, cluster_name
SELECT
    src_ip,
    cluster_name,
    count(*) AS count,
    ctime(min(_time)) AS firstTime,
    ctime(max(_time)) AS lastTime,
    vals(CASE
        WHEN data.protoPayload.status.code = 16 THEN 'unauthenticated'
        WHEN data.protoPayload.status.code = 7 THEN 'denied'
        WHEN data.protoPayload.status.code IS NULL OR data.protoPayload.status.code = 0 THEN 'allowed'
        ELSE 'failed' END) AS outcome,
    vals(data.protoPayload.methodName) AS method_name,
    vals(data.protoPayload.resourceName) AS resource_name,
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
      AND (ci_eq(data.protoPayload.methodName, 'io.k8s.core.v1.pods.list')
           OR ci_eq(data.protoPayload.methodName, 'io.k8s.core.v1.pods.watch')
           OR ci_eq(data.protoPayload.methodName, 'io.k8s.core.v1.pods.get'))
)
WHERE src_ip IS NOT NULL
GROUP BY src_ip, cluster_name
