-- Mirrors content/detections/kubernetes_aks_unauthenticated_cluster_scan.yml
-- (Kubernetes AKS Unauthenticated Cluster Scan). The view `aks` holds the diagnostic record's
-- fields with the audit event of properties.log already unpacked (the rule's `spath`).
-- key: src_ip, cluster_name
SELECT
    src_ip,
    cluster_name,
    count(*) AS count,
    ctime(min(_time)) AS firstTime,
    ctime(max(_time)) AS lastTime,
    count(DISTINCT uri_path) AS path_count,
    vals(uri_path) AS request_path,
    vals(verb) AS verb,
    vals(CAST(responseStatus.code AS VARCHAR)) AS status_code,
    vals(responseStatus.message) AS status_message,
    vals(userAgent) AS http_user_agent
FROM (
    SELECT *,
        unnest(sourceIPs) AS src_ip,
        lower(coalesce(nullif(regexp_extract(resourceId, '(?i)/managedclusters/([^/]+)$', 1), ''),
                       'unknown')) AS cluster_name,
        regexp_replace(requestURI, '\?.*$', '') AS uri_path
    FROM aks
    WHERE ci_eq(sourcetype, 'mscs:storage:blob:json')
      AND (ci_eq(category, 'kube-audit') OR ci_eq(category, 'kube-audit-admin'))
      AND (coalesce(responseStatus.code = 401, false)
           OR (ci_eq("user".username, 'system:anonymous') AND coalesce(responseStatus.code = 403, false)))
)
GROUP BY src_ip, cluster_name
HAVING count(DISTINCT uri_path) >= 3
