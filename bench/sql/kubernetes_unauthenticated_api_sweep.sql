-- Mirrors content/detections/kubernetes_unauthenticated_api_sweep.yml
-- (Kubernetes Unauthenticated API Sweep).
-- key: src_ip, Country, City
--
-- The bench runs Tripline without a GeoIP database, so `iplocation` adds nothing and the rule's
-- `fillnull value="unknown" Country City` makes both fields the constant "unknown".
SELECT
    src_ip,
    'unknown' AS Country,
    'unknown' AS City,
    count(*) AS count,
    ctime(min(_time)) AS firstTime,
    ctime(max(_time)) AS lastTime,
    vals(userAgent) AS http_user_agent,
    vals(verb) AS verb,
    vals(requestURI) AS requestURI,
    vals("user".username) AS "user"
FROM (
    SELECT *, unnest(sourceIPs) AS src_ip
    FROM audit
    WHERE ci_eq(source, 'kubernetes')
      AND mv_ci_eq("user".groups, 'system:unauthenticated')
      AND responseStatus.code = 403
)
GROUP BY src_ip
HAVING count(*) > 5
