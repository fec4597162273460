#!/bin/bash
# authkeepd reads its pages' templates at start: a folder that lacks one, or
# a template with a mistake, stops it with a line that names the file (and
# touches no database); the pages it serves are HTML with their headers,
# and so are their refusals.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"

P=$(free_port)
mkdir -p "$T/empty"
assert_fails "$AUTHKEEPD_BIN" --listen "127.0.0.1:$P" --db "sqlite:$T/x.db" --web-dir "$T/empty"
assert_eq "authkeepd: the web pages cannot be read: $T/empty/signin.html: No such file or directory" \
	"$(cat "$T/err")" "a folder without templates"
[ ! -e "$T/x.db" ] || fail "the database was made anyway"
cp -r "$AUTHKEEP_SOURCE_ROOT/web" "$T/web"
printf '{{>head}}\n<ul>\n{{#devices}}\n</ul>\n{{>foot}}\n' >"$T/web/account.html"
assert_fails "$AUTHKEEPD_BIN" --listen "127.0.0.1:$P" --db "sqlite:$T/x.db" --web-dir "$T/web"
assert_contains "$(cat "$T/err")" "$T/web/account.html: {{#devices}} is never closed" "a broken template"
rm "$T/web/style.css"
cp "$AUTHKEEP_SOURCE_ROOT/web/account.html" "$T/web/"
assert_fails "$AUTHKEEPD_BIN" --listen "127.0.0.1:$P" --db "sqlite:$T/x.db" --web-dir "$T/web"
assert_contains "$(cat "$T/err")" "$T/web/style.css: No such file" "a missing static file"

authkeepd_start --web-dir "$AUTHKEEP_SOURCE_ROOT/web"
curl -sS -D "$T/headers" -o "$T/page" "$SERVER_URL/signin" || fail "GET /signin"
assert_contains "$(cat "$T/headers")" "Content-Type: text/html; charset=utf-8" "a page"
assert_contains "$(cat "$T/headers")" "Content-Security-Policy: default-src 'none'; script-src 'self'" "its CSP"
assert_contains "$(cat "$T/page")" '<input id="email" name="email"' "the email field"
# A refusal on a page's route is a page, with the API's status and sentence.
status=$(curl -sS -o "$T/page" -w '%{http_code}' -H 'Content-Type: text/plain' -d 'x' "$SERVER_URL/signin")
assert_eq 415 "$status" "a body that is not a form"
assert_contains "$(cat "$T/page")" "the body must be a form" "the refusal says why, as a page"
status=$(curl -sS -o "$T/page" -w '%{http_code}' -d 'email=a%40b.c' "$SERVER_URL/signin")
assert_eq 400 "$status" "a form without its token"
assert_contains "$(cat "$T/page")" "csrf: missing" "it says which field"
status=$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' "$SERVER_URL/account")
assert_eq "303 $SERVER_URL/signin" "$status" "the account page without a session"
echo ok
