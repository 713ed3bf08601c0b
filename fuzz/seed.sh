#!/usr/bin/env bash
# Seed the fuzz corpora (fuzz/corpus/<target>/, gitignored) with the SPL of every detection in
# Appendix A of spl-semantics.md, one file per search, plus a few hand-written searches that
# reach commands the detections do not use.
#
# Usage: fuzz/seed.sh [path/to/spl-semantics.md]
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
doc="${1:-$here/../../shared/reference/spl-semantics.md}"
if [[ ! -f "$doc" ]]; then
    echo "seed.sh: $doc not found (pass the path to spl-semantics.md)" >&2
    exit 1
fi

for target in parse expand_parse; do
    dir="$here/corpus/$target"
    mkdir -p "$dir"
    # Every fenced block after the "## Appendix A" heading, up to the next "## " heading.
    awk -v dir="$dir" '
        /^## Appendix A/ { in_appendix = 1; next }
        in_appendix && /^## / { exit }
        !in_appendix { next }
        /^```/ {
            if (in_block) { close(file); in_block = 0 }
            else { n++; file = sprintf("%s/appendix-%03d.spl", dir, n); printf "" > file; in_block = 1 }
            next
        }
        in_block { if (started[file]++) printf "\n" >> file; printf "%s", $0 >> file }
        END { print n " searches" > "/dev/stderr" }
    ' "$doc"

    if [[ $target == parse ]]; then
        # The parser sees macro-expanded text: also seed versions with the macros replaced by
        # what they typically expand to, so the round trip is checked from the first run.
        for f in "$dir"/appendix-*.spl; do
            sed -E \
                -e 's/ *\| *`[a-z0-9_]*_filter` *//g' \
                -e 's/`security_content_ctime\(([^)`]*)\)`/convert timeformat="%Y-%m-%dT%H:%M:%S" ctime(\1)/g' \
                -e 's/`[a-z0-9_]*`/index=main/g' \
                "$f" > "${f%.spl}-expanded.spl"
        done
    fi

    i=0
    while IFS= read -r line; do
        i=$((i + 1))
        printf '%s' "$line" > "$dir/hand-$(printf %02d "$i").spl"
    done <<'SPL'
| makeresults count=3 | eval x=if(random() % 2 = 0, "even", "odd"), y=-x * 2, z=x IN (1, 2) | where NOT x LIKE "a%" XOR y >= 1.5e3 | sort - x, +num(y) desc | head 5
search a [search b | fields c] | join type=left c [| makeresults | eval c=1] | append maxout=10 [search d earliest=-7d@d latest=now]
* | rex field=_raw "^(?<method>\S+)\s" max_match=2 | spath input=body output=o path=a.b{}.c | iplocation src | convert timeformat="%Y" ctime(t) AS tt | bin _time span=1h | mvexpand v limit=3
* | lookup users uid AS user OUTPUTNEW name, dept AS department | top 5 user BY host | rare limit=2 x | dedup 2 a b keepempty=true sortby -c | fillnull value=NULL a b | fields - _raw | table a, "b c" | tail 3
verb=create OR verb=update NOT user.username IN ("system:*", admin) CASE(Foo) TERM(10.0.0.1) | streamstats window=5 count AS n BY user | eventstats avg(eval(len(x))) AS l | stats dc(x) perc95(y) values("a b") BY z
`kube_audit` verb=get | `security_content_ctime(firstTime)` | `wrap(a, b)` | foreach stdev_* [ eval <<FIELD>> = round('<<FIELD>>', 2) ] | tstats count FROM datamodel=Endpoint WHERE index=x BY host
SPL
    echo "$target: $(ls "$dir" | wc -l) files in $dir" >&2
done
