-- Mirrors content/detections/kubernetes_anonymous_api_access_allowed.yml
-- (Kubernetes Anonymous API Access Allowed), with the default `kube_allowed_anonymous_paths`.
-- key: src_ip, http_user_agent
SELECT
    src_ip,
    http_user_agent,
    count(*) AS count,
    ctime(min(_time)) AS firstTime,
    ctime(max(_time)) AS lastTime,
    vals(verb) AS verb,
    vals(requestURI) AS requestURI,
    vals(objectRef.resource) AS resource,
    vals(objectRef.namespace) AS namespace,
    vals(CAST(responseStatus.code AS VARCHAR)) AS response_code,
    vals("user".username) AS "user"
FROM (
    SELECT *, unnest(sourceIPs) AS src_ip, coalesce(userAgent, 'unknown') AS http_user_agent
    FROM audit
    WHERE ci_eq(source, 'kubernetes')
      AND (ci_eq("user".username, 'system:anonymous')
           OR mv_ci_eq("user".groups, 'system:unauthenticated'))
      AND (ci_eq(annotations."authorization.k8s.io/decision", 'allow')
           OR coalesce(responseStatus.code < 400, false))
      -- `kube_allowed_anonymous_paths`: NOT requestURI IN (...); true when requestURI is missing
      AND NOT coalesce(
              requestURI ILIKE '/healthz' OR requestURI ILIKE '/healthz/%' OR requestURI ILIKE '/healthz?%'
           OR requestURI ILIKE '/livez' OR requestURI ILIKE '/livez/%' OR requestURI ILIKE '/livez?%'
           OR requestURI ILIKE '/readyz' OR requestURI ILIKE '/readyz/%' OR requestURI ILIKE '/readyz?%'
           OR requestURI ILIKE '/version' OR requestURI ILIKE '/version/' OR requestURI ILIKE '/version?%',
              false)
)
GROUP BY src_ip, http_user_agent
