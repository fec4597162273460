#!/bin/bash
# authkeepd accepts a recovery secret's Argon2id cost only between a floor
# (the cost a client makes by default; in a test build, libsodium's minimum,
# which the suite's clients use) and the ceiling a client accepts from a
# server (16 passes, 2 GiB). Outside it, account creation and password change
# get a JSON 400 that names the bound, and nothing is stored. Raw HTTP.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"

authkeepd_start

# The build's floor: `authkeep --version` names a test build (both programs
# are built with the same option).
case "$(env -u AUTHKEEP_KDF_COST "$AUTHKEEP_BIN" --version)" in
*"test build"*) ops_floor=1 mem_floor=8192 ;;
*) ops_floor=3 mem_floor=268435456 ;;
esac
ops_ceiling=16 mem_ceiling=2147483648

n=0
# create EDIT: POST /v1/accounts with a fresh credential, its kdf at the floor
# and then changed by EDIT (a jq filter on the kdf object); status in $STATUS,
# the answer in $T/body.
create() {
	n=$((n + 1))
	local cred
	cred=$("$SRP_TOOL" credential "user$n@example.com" "$(new_key)") || fail "srp_tool"
	raw POST /v1/accounts "$(jq -c --arg e "user$n@example.com" \
		". + {email: \$e} | .kdf |= (.opslimit = $ops_floor | .memlimit = $mem_floor | $1)" <<<"$cred")"
}
refused() { # EDIT WHAT BOUND_TEXT
	create "$1"
	expect 400 bad_request "$2"
	assert_contains "$(field .message)" "$3" "$2: the message names the bound"
}

refused ".opslimit = $((ops_floor - 1))" "opslimit below the floor" \
	"kdf.opslimit: must be at least $ops_floor"
refused ".memlimit = $((mem_floor - 1))" "memlimit below the floor" \
	"kdf.memlimit: must be at least $mem_floor"
refused ".opslimit = $((ops_ceiling + 1))" "opslimit above the ceiling" \
	"kdf.opslimit: must be at most $ops_ceiling"
refused ".memlimit = $((mem_ceiling + 1))" "memlimit above the ceiling" \
	"kdf.memlimit: must be at most $mem_ceiling"
refused ".opslimit = 1000000000000" "a huge opslimit" "kdf.opslimit"
refused ".memlimit = -1" "a negative memlimit" "kdf.memlimit"

# The recovery code's kdf has the same bounds.
n=$((n + 1))
cred=$("$SRP_TOOL" credential "user$n@example.com" "$(new_key)") || fail "srp_tool"
rec=$("$SRP_TOOL" credential "user$n@example.com" "$(new_key)" recovery) || fail "srp_tool"
raw POST /v1/accounts "$(jq -c --arg e "user$n@example.com" --argjson r "$rec" \
	". + {email: \$e, recovery: (\$r | .kdf.opslimit = $((ops_ceiling + 1)))} |
	 .kdf |= (.opslimit = $ops_floor | .memlimit = $mem_floor)" <<<"$cred")"
expect 400 bad_request "recovery kdf above the ceiling"
assert_contains "$(field .message)" "recovery.kdf.opslimit: must be at most $ops_ceiling" \
	"the recovery bound is named"

# Nothing refused was stored: those emails are still free. At the bounds, accepted.
create ".opslimit = $ops_floor | .memlimit = $mem_floor"
expect 201 "" "the floor itself"
create ".opslimit = $ops_ceiling | .memlimit = $mem_ceiling"
expect 201 "" "the ceiling itself"
email=user1@example.com
raw POST /v1/accounts "$(jq -c --arg e $email \
	". + {email: \$e} | .kdf |= (.opslimit = $ops_floor | .memlimit = $mem_floor)" \
	<<<"$("$SRP_TOOL" credential $email "$(new_key)")")"
expect 201 "" "a refused creation stored nothing"
echo ok
