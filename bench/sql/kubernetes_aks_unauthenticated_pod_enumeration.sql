-- Mirrors content/detections/kubernetes_aks_unauthenticated_pod_enumeration.yml
-- (Kubernetes AKS Unauthenticated Pod Enumeration). The view `aks` holds the diagnostic record's
-- fields with the audit event of properties.log already unpacked (the rule's `spath`).
-- key: src_ip, cluster_name
SELECT
    src_ip,
    cluster_name,
    count(*) AS count,
    ctime(min(_time)) AS firstTime,
    ctime(max(_time)) AS lastTime,
    vals(CASE
        WHEN responseStatus.code = 401 THEN 'unauthenticated'
        WHEN responseStatus.code = 403 THEN 'denied'
        WHEN responseStatus.code >= 200 AND responseStatus.code < 300 THEN 'allowed'
        ELSE 'failed' END) AS outcome,
    vals(requestURI) AS request_uri,
    vals(verb) AS verb,
    vals(userAgent) AS http_user_agent
FROM (
    SELECT *,
        unnest(sourceIPs) AS src_ip,
        lower(coalesce(nullif(regexp_extract(resourceId, '(?i)/managedclusters/([^/]+)$', 1), ''),
                       'unknown')) AS cluster_name
    FROM aks
    WHERE ci_eq(sourcetype, 'mscs:storage:blob:json')
      AND (ci_eq(category, 'kube-audit') OR ci_eq(category, 'kube-audit-admin'))
      AND ci_eq(objectRef.resource, 'pods')
      AND objectRef.subresource IS NULL
      AND (ci_eq(verb, 'list') OR ci_eq(verb, 'watch') OR ci_eq(verb, 'get'))
      AND (ci_eq("user".username, 'system:anonymous') OR coalesce(responseStatus.code = 401, false))
)
GROUP BY src_ip, cluster_name
