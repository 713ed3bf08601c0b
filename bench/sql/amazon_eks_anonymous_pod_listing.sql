-- Mirrors content/detections/amazon_eks_anonymous_pod_listing.yml
-- (Amazon EKS Anonymous Pod Listing).
-- key: src_ip, cluster_name
SELECT
    src_ip,
    cluster_name,
    count(*) AS count,
    ctime(min(_time)) AS firstTime,
    ctime(max(_time)) AS lastTime,
    vals(requestURI) AS requestURI,
    vals(objectRef.namespace) AS namespace,
    vals(CAST(responseStatus.code AS VARCHAR)) AS response_code,
    vals(userAgent) AS http_user_agent,
    vals("user".username) AS "user"
FROM (
    SELECT *,
        unnest(sourceIPs) AS src_ip,
        regexp_replace(source, '^/aws/eks/([^/]+)/cluster$', '\1') AS cluster_name
    FROM audit
    WHERE ci_eq(sourcetype, 'aws:cloudwatchlogs:eks')
      AND (ci_eq("user".username, 'system:anonymous')
           OR mv_ci_eq("user".groups, 'system:unauthenticated'))
      AND ci_eq(verb, 'list')
      AND ci_eq(objectRef.resource, 'pods')
)
WHERE cluster_name IS NOT NULL
GROUP BY src_ip, cluster_name
