#!/usr/bin/env bash
# Rebuilds one Node line's set of Node's test files, as listed in LIST.md, into <out-dir>.
#   ./rebuild.sh <line> <out-dir> <git-mirror> [<second-git-mirror>]
#     line 20: mirrors of nodejs/node and SwalihaMinna/node (the test/common/index.js fork)
#     line 24, 26: a mirror of the repository that section names
# Each file is `git show <commit>:<path>`, checked against its character count; a row whose path
# ends in '/' is that whole folder at that commit (`git archive`), checked by file count and bytes.
# Writes <out-dir>/tests.txt (the files the section says to run) for run.sh's TESTS_LIST; the
# harness (run.sh, swap.cjs) comes from /work/shared/nodetests.
set -eu
line=$1; out=$2; first_git=$3; second_git=${4:-$3}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out/test/fixtures"
cp /work/shared/nodetests/run.sh /work/shared/nodetests/swap.cjs "$out/"
: > "$out/tests.txt"
bad=0; in_section=0; first_repo=
while IFS= read -r row; do
  case "$row" in
    "## Node $line line"*) in_section=1; continue ;;
    "## "*) in_section=0; continue ;;
  esac
  [ $in_section = 1 ] || continue
  IFS='|' read -r _ repo commit path size _ <<<"$row"
  repo=$(echo $repo); commit=$(echo $commit); path=$(echo $path); size=$(echo $size)
  case "$commit" in [0-9a-f][0-9a-f]*) ;; *) continue ;; esac
  [ -n "$first_repo" ] || first_repo=$repo
  git_dir=$first_git; [ "$repo" = "$first_repo" ] || git_dir=$second_git
  case "$path" in
    */)
      mkdir -p "$out/$path"
      git --git-dir="$git_dir" archive "$commit:$path" | tar -x -C "$out/$path"
      got="$(git --git-dir="$git_dir" ls-tree -r -l "$commit" "$path" | awk '{n++; s+=$4} END {print n " files, " s " bytes"}')"
      ;;
    *)
      mkdir -p "$out/$(dirname "$path")"
      git --git-dir="$git_dir" show "$commit:$path" > "$out/$path"
      got=$(wc -m < "$out/$path")
      case "$path" in test/parallel/*) echo "$path" >> "$out/tests.txt" ;; esac
      ;;
  esac
  if [ "$got" != "$size" ]; then echo "MISMATCH $path: $got, expected $size" >&2; bad=1; fi
done < "$here/LIST.md"
if [ "$line" = 20 ]; then
  # This tree's fixtures are made, not copied: x.txt holds the 4 bytes the tests expect.
  printf 'xyz\n' > "$out/test/fixtures/x.txt"; : > "$out/test/fixtures/empty.txt"
X
fi
exit $bad
