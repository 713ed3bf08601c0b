-- Mirrors content/detections/kubernetes_suspicious_image_pull.yml
-- (Kubernetes Suspicious Image Pull), with the default `kube_allowed_registries` (keeps everything).
-- key: host, namespace, pod, image, registry, suspicion
WITH pulls AS (
    SELECT
        _time,
        object.reason AS reason,
        object.message AS message,
        object.involvedObject.namespace AS namespace,
        object.involvedObject.name AS pod,
        coalesce(object.source.host, object.reportingInstance, host) AS host,
        nullif(regexp_extract(object.message, '(?i)image "([^"]+)"', 1), '') AS image
    FROM objects
    WHERE ci_eq(sourcetype, 'kube:objects:events')
      AND (ci_eq(object.reason, 'Pulling') OR ci_eq(object.reason, 'Pulled')
           OR ci_eq(object.reason, 'Failed') OR ci_eq(object.reason, 'BackOff'))
      AND object.message ILIKE '%image %'
),
repo AS (
    SELECT *, regexp_replace(image,
        '^(.*?)(?::[A-Za-z0-9_][A-Za-z0-9_.-]*)?(?:@[A-Za-z0-9_+.-]+:[0-9a-fA-F]+)?$', '\1')
        AS image_repo
    FROM pulls
),
reg AS (
    SELECT *,
        regexp_replace(image_repo, '^.*/', '') AS image_name,
        CASE WHEN regexp_matches(image_repo, '^(localhost|[^/]*[.:][^/]*)/')
             THEN regexp_replace(image_repo, '/.*$', '') ELSE 'docker.io' END AS registry
    FROM repo
),
judged AS (
    SELECT *,
        CASE
            WHEN regexp_matches(registry_host, '^[0-9]{1,3}(\.[0-9]{1,3}){3}$')
                 AND NOT (cidr4(registry_host, '10.0.0.0', 8) OR cidr4(registry_host, '172.16.0.0', 12)
                          OR cidr4(registry_host, '192.168.0.0', 16) OR cidr4(registry_host, '127.0.0.0', 8)
                          OR cidr4(registry_host, '100.64.0.0', 10) OR cidr4(registry_host, '169.254.0.0', 16))
                THEN 'registry addressed by a public IP address'
            WHEN registry_host = 'ttl.sh'
                 OR regexp_matches(registry_host,
                        '\.(ngrok\.io|ngrok\.app|ngrok-free\.app|trycloudflare\.com|loca\.lt|serveo\.net)$')
                THEN 'anonymous or tunnelled registry'
            WHEN regexp_matches(image_name, '(?i)(xmrig|xmr-stak|cpuminer)')
                THEN 'cryptocurrency miner image'
        END AS suspicion
    FROM (SELECT *, lower(regexp_replace(registry, ':[0-9]+$', '')) AS registry_host FROM reg)
)
SELECT
    host, namespace, pod, image, registry, suspicion,
    ctime(min(_time)) AS firstTime,
    ctime(max(_time)) AS lastTime,
    count(*) AS count,
    vals(reason) AS reason,
    vals(CASE WHEN suspicion = 'registry addressed by a public IP address' THEN registry_host END)
        AS registry_ip,
    vals(message) AS message
FROM judged
WHERE suspicion IS NOT NULL
  AND host IS NOT NULL AND namespace IS NOT NULL AND pod IS NOT NULL
  AND image IS NOT NULL AND registry IS NOT NULL
GROUP BY host, namespace, pod, image, registry, suspicion
