-- Mirrors content/detections/kubernetes_security_scanner_image_pull.yml
-- (Kubernetes Security Scanner Image Pull), with the default `kube_scanner_images` and
-- `kube_allowed_scanner_namespaces` (which keeps everything).
-- key: host, namespace, pod, image, image_name
WITH pulls AS (
    SELECT
        _time,
        -- rename object.* AS *, then involvedObject.* AS *
        object.reason AS reason,
        object.message AS message,
        object.involvedObject.namespace AS namespace,
        object.involvedObject.name AS pod,
        coalesce(object.source.host, object.reportingInstance, host) AS host,
        -- rex field=message "(?i)image \"(?<image>[^\"]+)\""
        nullif(regexp_extract(object.message, '(?i)image "([^"]+)"', 1), '') AS image
    FROM objects
    WHERE ci_eq(sourcetype, 'kube:objects:events')
      AND (ci_eq(object.reason, 'Pulling') OR ci_eq(object.reason, 'Pulled')
           OR ci_eq(object.reason, 'Failed') OR ci_eq(object.reason, 'BackOff'))
      AND object.message ILIKE '%image %'
),
named AS (
    SELECT *, regexp_replace(image_repo, '^.*/', '') AS image_name
    FROM (
        SELECT *, regexp_replace(image,
            '^(.*?)(?::[A-Za-z0-9_][A-Za-z0-9_.-]*)?(?:@[A-Za-z0-9_+.-]+:[0-9a-fA-F]+)?$', '\1')
            AS image_repo
        FROM pulls
    )
)
SELECT
    host, namespace, pod, image, image_name,
    ctime(min(_time)) AS firstTime,
    ctime(max(_time)) AS lastTime,
    count(*) AS count,
    vals(reason) AS reason,
    vals(message) AS message
FROM named
WHERE (lower(image_name) IN ('kube-hunter', 'kube-bench', 'kube-recon', 'peirates', 'kubescape',
                             'kubeaudit', 'kubesec', 'kube-scan', 'kubiscan', 'rbac-police',
                             'kdigger', 'kubestriker', 'amicontained')
       OR image_repo ILIKE 'appvia/krane' OR image_repo ILIKE '%/appvia/krane'
       OR image_repo ILIKE 'derailed/popeye' OR image_repo ILIKE '%/derailed/popeye'
       OR image_repo ILIKE 'brompwnie/botb' OR image_repo ILIKE '%/brompwnie/botb')
  AND host IS NOT NULL AND namespace IS NOT NULL AND pod IS NOT NULL
  AND image IS NOT NULL AND image_name IS NOT NULL
GROUP BY host, namespace, pod, image, image_name
