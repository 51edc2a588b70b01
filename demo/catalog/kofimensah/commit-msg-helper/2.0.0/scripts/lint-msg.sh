#!/usr/bin/env bash
# lint-msg.sh - check a commit message file against Conventional Commits form rules.
# Usage: lint-msg.sh <message-file>    (also works as a git commit-msg hook)
set -uo pipefail

file="${1:?usage: lint-msg.sh <message-file>}"
types='feat|fix|perf|refactor|docs|test|build|ci|chore|revert'
problems=0
fail() { echo "commit message: $*" >&2; problems=$((problems + 1)); }

# Drop comment lines the way git does before checking.
msg=$(grep -v '^#' "$file")
subject=$(printf '%s\n' "$msg" | sed -n '1p')
second=$(printf '%s\n' "$msg" | sed -n '2p')

case "$subject" in
  Merge\ *|Revert\ \"*|fixup!\ *|squash!\ *) exit 0 ;;
esac

if ! printf '%s' "$subject" | grep -Eq "^($types)(\([a-z0-9._/-]+\))?!?: .+"; then
  fail "subject must look like 'type(scope): description' with type one of: ${types//|/, }"
fi
[ "${#subject}" -le 72 ] || fail "subject is ${#subject} characters; keep it to 72"
case "$subject" in *.) fail "subject ends with a period" ;; esac
if printf '%s' "$subject" | grep -Eq ': [A-Z][a-z]'; then
  fail "description should start lower case"
fi
if printf '%s' "$subject" | grep -Eiq ': (added|fixed|updated|removed|changed) '; then
  fail "use the imperative mood ('add', not 'added')"
fi
[ -z "$second" ] || fail "leave line 2 blank between subject and body"

long=$(printf '%s\n' "$msg" | sed -n '3,$p' | grep -v '^ \{4\}' | awk 'length > 72 && !/https?:\/\//' | wc -l)
[ "$long" -eq 0 ] || fail "$long body line(s) longer than 72 columns"

exit $((problems > 0))
