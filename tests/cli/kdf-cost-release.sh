#!/bin/bash
# AUTHKEEP_KDF_COST=min lowers Argon2id to libsodium's minimum in a test
# build only (meson -Dtest_costs=true, which `authkeep --version` names); a
# release build refuses it with one line and creates nothing. The test runs
# in both kinds of build and checks the behaviour of the one it is in.
. "$AUTHKEEP_SOURCE_ROOT/tests/cli/helpers.sh"

# The kdf cost of the vault's passphrase slot, as "opslimit memlimit".
slot_cost() { head -n 1 "$VAULT" | jq -r '.slots[0] | "\(.opslimit) \(.memlimit)"'; }

version=$(env -u AUTHKEEP_KDF_COST "$AUTHKEEP_BIN" --version)
case "$version" in
*"test build"*)
	AUTHKEEP_KDF_COST=min assert_ok ak init
	assert_eq "1 8192" "$(slot_cost)" "a test build lowers the cost"
	rm -rf "$AUTHKEEP_HOME"
	;;
*)
	assert_fails env AUTHKEEP_KDF_COST=min "$AUTHKEEP_BIN" init
	assert_one_error_line "AUTHKEEP_KDF_COST=min works only in test builds"
	[ ! -e "$VAULT" ] || fail "a refused AUTHKEEP_KDF_COST created a vault"
	assert_fails env AUTHKEEP_KDF_COST=min "$AUTHKEEP_BIN" list
	assert_one_error_line "works only in test builds"
	# Without it, the real cost (its time shown, not asserted).
	start=$(date +%s%N)
	env -u AUTHKEEP_KDF_COST "$AUTHKEEP_BIN" init >/dev/null || fail "init at the real cost"
	echo "init at the real cost: $((($(date +%s%N) - start) / 1000000)) ms"
	assert_eq "3 67108864" "$(slot_cost)" "a release build keeps the real cost"
	rm -rf "$AUTHKEEP_HOME"
	;;
esac

# In either build: a value that is no cost at all is refused, not ignored.
assert_fails env AUTHKEEP_KDF_COST=low "$AUTHKEEP_BIN" init
assert_one_error_line "AUTHKEEP_KDF_COST: 'low' is not a cost"
[ ! -e "$VAULT" ] || fail "a refused AUTHKEEP_KDF_COST created a vault"
# The real cost is always there: no variable, the defaults.
env -u AUTHKEEP_KDF_COST "$AUTHKEEP_BIN" init >/dev/null || fail "init without AUTHKEEP_KDF_COST"
assert_eq "3 67108864" "$(slot_cost)" "no variable: the default cost"
echo ok
