-- Mirrors content/detections/kubernetes_forbidden_create_attempt.yml
-- (Kubernetes Forbidden Create Attempt).
-- key: user, src_ip
SELECT
    "user".username AS "user",
    src_ip,
    count(*) AS count,
    ctime(min(_time)) AS firstTime,
    ctime(max(_time)) AS lastTime,
    -- eval resource=coalesce(resource . "/" . subresource, resource): `.` with a null gives null
    vals(coalesce(objectRef.resource || '/' || objectRef.subresource, objectRef.resource)) AS resource,
    vals(objectRef.namespace) AS namespace,
    vals(requestURI) AS requestURI,
    vals(userAgent) AS http_user_agent,
    list_sort(list_distinct(flatten(array_agg("user".groups)))) AS user_groups
FROM (
    SELECT *, unnest(sourceIPs) AS src_ip
    FROM audit
    WHERE ci_eq(source, 'kubernetes')
      AND ci_eq(verb, 'create')
      AND responseStatus.code = 403
      AND mv_ci_eq("user".groups, 'system:authenticated')
      AND NOT ci_eq(annotations."authorization.k8s.io/decision", 'allow')
)
-- stats BY drops rows whose BY field is null
WHERE "user".username IS NOT NULL
GROUP BY "user".username, src_ip
