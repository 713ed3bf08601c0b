-- Mirrors content/detections/amazon_eks_anonymous_cluster_discovery.yml
-- (Amazon EKS Anonymous Cluster Discovery).
-- key: src_ip, cluster_name
SELECT
    src_ip,
    cluster_name,
    count(*) AS count,
    count(DISTINCT requestURI) AS path_count,
    ctime(min(_time)) AS firstTime,
    ctime(max(_time)) AS lastTime,
    vals(requestURI) AS requestURI,
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
      AND NOT ci_eq(userAgent, 'AWS Security Scanner')
      AND objectRef.resource IS NULL
      AND (requestURI ILIKE '/' OR requestURI ILIKE '/api' OR requestURI ILIKE '/api/%'
           OR requestURI ILIKE '/apis' OR requestURI ILIKE '/apis/%' OR requestURI ILIKE '/version'
           OR requestURI ILIKE '/version/' OR requestURI ILIKE '/version?%'
           OR requestURI ILIKE '/openapi/%' OR requestURI ILIKE '/swagger%'
           OR requestURI ILIKE '/metrics' OR requestURI ILIKE '/.well-known/openid-configuration'
           OR requestURI ILIKE '/openid/v1/jwks')
)
WHERE cluster_name IS NOT NULL
GROUP BY src_ip, cluster_name
HAVING count(DISTINCT requestURI) >= 2
