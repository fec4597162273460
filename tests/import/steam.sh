#!/bin/bash
# Steam Guard files: the new layout of the Steam app ({"accounts": {...}},
# the real steam.json) and the old one (one account, as the Steam app before
# 3.0 and Steam Desktop Authenticator's .maFile keep it); each account a
# Steam entry whose codes are Steam's five characters (checked against an
# independent implementation of Steam's algorithm). An account without a
# shared secret is listed as unreadable, never dropped.
. "$AUTHKEEP_SOURCE_ROOT/tests/import/formats-lib.sh"

if have_more steam.json; then
	more_checked steam.json
	dry_run_named "--format steam" "$MORE/steam.json" 1 --format steam
fi
make steam-old "$T/old.maFile"
import_checked "old layout" "$T/old.maFile" "$T/old.maFile.want"
make steam-new "$T/new.json"
import_checked "new layout" "$T/new.json" "$T/new.json.want"
dry_run_named "new layout, named" "$T/new.json" 2 --format steam

# Steam Guard by e-mail: no shared secret.
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
k = sorted(d["accounts"])[1]
del d["accounts"][k]["shared_secret"]
d["accounts"][k]["steamguard_scheme"] = "1"
json.dump(d, open(sys.argv[2], "w"))' "$T/new.json" "$T/email.json"
fresh_device
assert_fails ak import "$T/email.json" --dry-run --format steam
grep -Eq '^unreadable +account 2 \(Steam:second\) +the file is not in the expected format: shared_secret: missing' "$T/out" ||
	fail "the account without a secret is listed: $(cat "$T/out")"
assert_contains "$(cat "$T/out")" "dry run: 1 new, 0 identical, 0 conflicting, 1 unreadable" "e-mail account"
echo "ok"
