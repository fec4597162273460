#!/bin/bash
# authkeep watch fits the terminal (tmux at 40x8 and 200x50): no line wider
# than it (wide characters counted as two columns), no more lines than it
# has, the codes still shown on a narrow one; redrawn when it changes size;
# '/' filters, j/k and arrows select, Enter and 'c' copy the selected code
# (through an xclip that records what it is given).
. "$AUTHKEEP_SOURCE_ROOT/tests/cli/helpers.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/cli/tmux.sh"

# Every line of the screen fits in $1 columns, and there are at most $2.
assert_fits() {
	local widest lines
	widest=$(pane | wc -L)
	lines=$(pane | wc -l)
	[ "$widest" -le "$1" ] || fail "a line of $widest columns on a terminal of $1:
$(pane)"
	[ "$lines" -le "$2" ] || fail "$lines lines on a terminal of $2"
}

mkdir "$T/bin"
cat >"$T/bin/xclip" <<'XCLIP'
#!/bin/bash
case " $* " in
*" -o "*) cat "$FAKE_CLIP" ;;
*) cat >"$FAKE_CLIP" && echo "got: $(cat "$FAKE_CLIP")" >>"$FAKE_CLIP.log" ;;
esac
XCLIP
chmod +x "$T/bin/xclip"

setup_three
letters=(x B C D E F G H I J)
for i in $(seq 1 9); do
	ak add --issuer "Very Long Issuer Name Number $i Inc" \
		--account "someone.long.address.$i@example.com" --secret "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE4${letters[i]}U" \
		>/dev/null || fail "add $i"
done
ak add --issuer "日本語の発行者の名前はとても長いです" --account "利用者" --secret MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U \
	--period 60 >/dev/null || fail "add a wide name"
github=$(oathtool --totp -b -N @59 "$SEED1")
bank=$(oathtool --totp=SHA256 -d 8 -s 60 -b -N @59 "$SEED256")

# Runs watch in a fresh WxH terminal at a fixed time, xclip on PATH.
watch_in() {
	kill_terminal w
	tm new-session -d -s w -x "$1" -y "$2" \
		"export AUTHKEEP_HOME='$AUTHKEEP_HOME' AUTHKEEP_KDF_COST=min LC_ALL=C.UTF-8 TZ=UTC AUTHKEEP_NOW=59 \
		DISPLAY=:42 FAKE_CLIP='$T/clipboard' PATH='$T/bin':\$PATH; '$AUTHKEEP_BIN' watch; sleep 60" ||
		fail "tmux new-session"
}
tm new-session -d -s keep "sleep 600" || fail "tmux"

# 40x8: the lines are cut, the first codes still show, the rest are counted.
watch_in 40 8
wait_for "$github"
assert_fits 40 8
assert_contains "$(pane)" "$bank" "Bank's code on a narrow terminal"
assert_contains "$(pane)" "more" "the accounts left out are counted"
assert_not_contains "$(pane)" "[#" "no bar on a narrow terminal"

# Larger: redrawn at the new size.
tm resize-window -t w -x 60 -y 20
wait_for "利用者"
assert_fits 60 20
tm resize-window -t w -x 40 -y 8
wait_gone "利用者"
assert_fits 40 8

# 200x50: every account, in full, with its bar.
watch_in 200 50
wait_for "利用者"
assert_fits 200 50
assert_contains "$(pane)" "someone.long.address.9@example.com" "full names on a wide terminal"
assert_contains "$(pane)" "日本語の発行者の名前はとても長いです" "a wide name in full"
assert_contains "$(pane)" "[#" "the bar on a wide terminal"
assert_contains "$(pane)" "00:00:59 UTC" "the clock says its time zone"
assert_not_contains "$(pane)" "more" "nothing left out"

# '/' filters as it is typed; Enter keeps it; Enter again copies the one shown.
tm send-keys -t w / g i t
wait_for "Filter: git_"
wait_gone "Bank"
tm send-keys -t w Enter
wait_for "(1 of 13"
tm send-keys -t w Enter
wait_for "copied with xclip"
assert_contains "$(cat "$T/clipboard.log")" "got: $github" "Enter copies the code shown"
# Esc clears it; j selects the next one (shown in reverse video), c copies it.
tm send-keys -t w Escape
wait_for "Bank"
tm send-keys -t w j
for _ in $(seq 100); do tm capture-pane -e -p -t w | grep -q $'\033\\[7m.*Bank' && break; sleep 0.1; done
tm capture-pane -e -p -t w | grep -q $'\033\\[7m.*Bank' || fail "Bank is not selected: $(tm capture-pane -e -p -t w | cat -v)"
tm send-keys -t w c
for _ in $(seq 100); do grep -qF "got: $bank" "$T/clipboard.log" && break; sleep 0.1; done
assert_contains "$(cat "$T/clipboard.log")" "got: $bank" "c copies the selected code"
# Arrows: down to VPN (HOTP, not copied here), up back to Bank.
tm send-keys -t w Down
tm send-keys -t w Enter
wait_for "is HOTP"
tm send-keys -t w Up
for _ in $(seq 100); do tm capture-pane -e -p -t w | grep -q $'\033\\[7m.*Bank' && break; sleep 0.1; done
tm capture-pane -e -p -t w | grep -q $'\033\\[7m.*Bank' || fail "Up does not select Bank again"
# A filter that matches nothing says so; q types into the filter, Esc leaves it.
tm send-keys -t w / q z z
wait_for "No account matches 'qzz'"
tm send-keys -t w Escape
wait_for "GitHub"
tm send-keys -t w q
wait_gone "GitHub"
echo "ok"
