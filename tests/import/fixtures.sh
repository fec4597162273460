#!/bin/bash
# Every export of another app in the interop fixtures imports to exactly the
# accounts expected.json lists (matched by secret; the per-file notes say
# what a format cannot express, and there the app's defaults stand).
. "$AUTHKEEP_SOURCE_ROOT/tests/import/helpers.sh"

F=${AUTHKEEP_FIXTURES:-}
[ -n "$F" ] && [ -f "$F/expected.json" ] || skip "no interop fixtures at '${F:-}' (../shared/fixtures/interop is absent)"

files=$(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["files"]))' "$F/expected.json")
n=0
for file in $files; do
	n=$((n + 1))
	use_home "home$n"
	ak init >/dev/null || fail "init"
	password=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["files"][sys.argv[2]].get("password", ""))' \
		"$F/expected.json" "$file")
	before=$(file_sum "$F/$file")
	if [ -n "$password" ]; then
		AUTHKEEP_IMPORT_PASSWORD=wrong assert_fails ak import "$F/$file"
		assert_contains "$(cat "$T/err")" "wrong password" "$file with a wrong password"
		AUTHKEEP_IMPORT_PASSWORD="$password" assert_ok ak import "$F/$file"
	else
		assert_ok ak import "$F/$file"
	fi
	assert_contains "$(cat "$T/out")" " 0 unreadable" "$file: summary"
	assert_eq "$before" "$(file_sum "$F/$file")" "$file is unchanged"
	ak export --format uris 2>/dev/null | uris_to_json >"$T/got.json" || fail "$file: export"
	python3 - "$F/expected.json" "$file" "$T/got.json" <<'PY' || fail "$file: accounts differ from expected.json"
import json, sys
exp = json.load(open(sys.argv[1]))
name = sys.argv[2]
entry = exp["files"][name]
got = {a["secret"]: a for a in json.load(open(sys.argv[3]))}
want = [dict(exp["accounts"][i]) for i in entry["accounts"]]
ok = len(got) == len(want)
if not ok:
    print(f"{name}: {len(got)} accounts, expected {len(want)}")
for w in want:
    g = got.get(w["secret"])
    if g is None:
        print(f"{name}: missing {w['issuer']}:{w['account']}"); ok = False; continue
    # What the format cannot express: the app's defaults stand.
    if name == "google_authenticator.sqlite":
        w.update(algorithm="SHA1", digits=6)
        if w["type"] != "hotp":
            w.update(type="totp", period=30)
    if name == "microsoft_authenticator.sqlite":
        w = dict(w, type="totp", algorithm="SHA1", digits=6, period=30); w.pop("counter", None)
    if name == "bitwarden.json" and w["type"] == "steam":
        # steam://SECRET holds no names: the item's name stands for the issuer.
        w.pop("issuer"); w.pop("account")
    for k, v in w.items():
        if g.get(k) != v:
            print(f"{name}: {w.get('issuer')}:{w.get('account')}: {k} is {g.get(k)!r}, expected {v!r}"); ok = False
sys.exit(0 if ok else 1)
PY
	# Importing the same file again finds every entry identical and changes nothing.
	sum=$(file_sum "$VAULT")
	if [ -n "$password" ]; then
		AUTHKEEP_IMPORT_PASSWORD="$password" assert_ok ak import "$F/$file"
	else
		assert_ok ak import "$F/$file"
	fi
	assert_contains "$(cat "$T/out")" "imported: 0 added" "$file again"
	assert_eq "$sum" "$(file_sum "$VAULT")" "$file again: vault unchanged"
done
echo "ok: $n fixture files"
