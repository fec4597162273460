#!/bin/bash
# An unknown email, and the recovery code of an account without one, get a
# challenge shaped like a real one, the same on every try and after a
# restart, and fail at finish as a wrong password does: the server does
# not tell who has an account or a recovery code.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"

authkeepd_start --slow-after 100 --rate-account 0 --rate-address 0

KEY=$(new_key)
create_account lena@example.com "$KEY"
expect 201 "" "lena, without a recovery code"
RKEY=$(new_key)
create_account mona@example.com "$(new_key)" "$RKEY"
expect 201 "" "mona, with a recovery code"

# shape FILE: the keys, types and decoded lengths of a start answer.
shape() {
	jq -r '[paths(scalars) as $p | ($p | join(".")) + ":" + (getpath($p) | type)] | join(" ")' "$1"
	for f in .srp_salt .B .kdf.salt; do
		printf ' %s=%s' "$f" "$(jq -r "$f" "$1" | base64 -d | wc -c)"
	done
	printf ' login_id=%s\n' "$(jq -r .login_id "$1" | wc -c)"
}
start() { raw POST /v1/auth/start "$1" && expect 200 "" "start $1" && cp "$T/body" "$2"; }

start '{"email": "lena@example.com"}' "$T/real"
start '{"email": "nobody@example.com"}' "$T/fake1"
start '{"email": "NoBody@example.com"}' "$T/fake2"
start '{"email": "other@example.com"}' "$T/fake3"
start '{"email": "lena@example.com", "recovery": true}' "$T/norec1"
start '{"email": "lena@example.com", "recovery": true}' "$T/norec2"
start '{"email": "mona@example.com", "recovery": true}' "$T/realrec"
for f in fake1 norec1 realrec; do
	assert_eq "$(shape "$T/real")" "$(shape "$T/$f")" "$f is shaped like a real challenge"
done
salts() { jq -c '[.kdf, .srp_salt]' "$1"; }
assert_eq "$(salts "$T/fake1")" "$(salts "$T/fake2")" "the same email gets the same salts"
[ "$(jq -r .B "$T/fake1")" != "$(jq -r .B "$T/fake2")" ] || fail "B is fresh on each try"
[ "$(salts "$T/fake1")" != "$(salts "$T/fake3")" ] || fail "another email gets other salts"
assert_eq "$(salts "$T/norec1")" "$(salts "$T/norec2")" "a missing recovery code: same salts"
[ "$(jq -r .srp_salt "$T/norec1")" != "$(jq -r .srp_salt "$T/real")" ] ||
	fail "the missing recovery code's salt is not the password's"
[ "$(jq -r .srp_salt "$T/norec1")" != "$(jq -r .srp_salt "$T/fake1")" ] ||
	fail "the missing recovery code's salt is not the unknown email's"

# Finish fails as a wrong password (or a wrong recovery code) does.
"$SRP_TOOL" signin "$SERVER_URL" lena@example.com "$(new_key)" >"$T/wrong" && fail "wrong key"
"$SRP_TOOL" signin "$SERVER_URL" nobody@example.com "$KEY" >"$T/unknown" && fail "unknown email"
assert_eq "$(jq -c . "$T/wrong")" "$(jq -c . "$T/unknown")" "unknown email fails like a wrong password"
assert_eq bad_password "$(jq -r .error "$T/unknown")" "error code"
"$SRP_TOOL" signin "$SERVER_URL" mona@example.com "$(new_key)" recovery >"$T/wrongrec" && fail "wrong code"
"$SRP_TOOL" signin "$SERVER_URL" lena@example.com "$KEY" recovery >"$T/norec" && fail "no code"
assert_eq "$(jq -c . "$T/wrongrec")" "$(jq -c . "$T/norec")" "no recovery code fails like a wrong one"

# That the two take about the same time is measured, not asserted (a test
# never asserts on wall-clock time): bench/unknown-email.sh, whose figures
# are in docs/benchmarks.md.

# The server's key is kept: the same fake salts after a restart (which keeps
# the failed sign-ins above too, hence the same options).
authkeepd_stop || exit 1
authkeepd_start --slow-after 100 --rate-account 0 --rate-address 0
start '{"email": "nobody@example.com"}' "$T/fake4"
assert_eq "$(salts "$T/fake1")" "$(salts "$T/fake4")" "the same salts after a restart"
echo ok
