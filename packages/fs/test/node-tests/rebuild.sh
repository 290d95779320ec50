#!/usr/bin/env bash
# Rebuilds Node's test files listed in LIST.md into <out-dir>, from local git mirrors.
#   ./rebuild.sh <out-dir> <mirror-of-nodejs/node> [<mirror-of-SwalihaMinna/node>]
# Each file is `git show <commit>:<path>` from the mirror of its repository, checked against the
# character count in LIST.md. The harness (run.sh, swap.cjs) comes from /work/shared/nodetests.
set -eu
out=$1; node_git=$2; fork_git=${3:-$2}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out/test/fixtures"
cp /work/shared/nodetests/run.sh /work/shared/nodetests/swap.cjs "$out/"
printf 'xyz\n' > "$out/test/fixtures/x.txt"; : > "$out/test/fixtures/empty.txt"
bad=0
while IFS='|' read -r _ repo commit path chars _; do
  repo=$(echo $repo); commit=$(echo $commit); path=$(echo $path); chars=$(echo $chars)
  case "$commit" in [0-9a-f][0-9a-f]*) ;; *) continue ;; esac
  git_dir=$node_git; [ "$repo" = nodejs/node ] || git_dir=$fork_git
  mkdir -p "$out/$(dirname "$path")"
  git --git-dir="$git_dir" show "$commit:$path" > "$out/$path"
  got=$(wc -m < "$out/$path")
  if [ "$got" != "$chars" ]; then echo "MISMATCH $path: $got chars, expected $chars" >&2; bad=1; fi
done < "$here/LIST.md"
exit $bad
