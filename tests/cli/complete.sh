#!/bin/bash
# Shell completion: 'authkeep complete' against each command's --help (so
# the two cannot drift), then the bash, zsh and fish scripts of completions/
# driven as each shell drives them, with account names only while the vault
# is unlocked, and never a prompt for the passphrase.
. "$AUTHKEEP_SOURCE_ROOT/tests/cli/helpers.sh"
COMPLETIONS="$AUTHKEEP_SOURCE_ROOT/completions"

# The candidates for a command line whose last word is being typed, sorted.
candidates() { ak complete -- "$@" </dev/null | cut -f1 | sort | tr '\n' ' '; }
# The options a --help shows in its usage lines and option list.
help_options() {
	grep -E '^(usage: |       authkeep| +--)' | grep -o -- '--[a-z][a-z-]*' | sort -u | tr '\n' ' '
}
completed_options() { candidates "$@" -- | sed 's/--help //'; }

# Every command of --help is completed, and nothing else.
assert_eq "$(ak --help | awk '/^  [a-z]/{print $1}' | sort | tr '\n' ' ')" "$(candidates '')" \
	"the commands"
assert_eq "code contacts " "$(candidates co)" "commands starting with co"
# Each command's options are those its --help shows; with subcommands, each
# subcommand's are its own, and the command's --help shows them all.
for cmd in $(ak --help | awk '/^  [a-z]/{print $1}'); do
	subs=""
	case $cmd in backup | devices | contacts | account) subs=$(candidates "$cmd" '') ;; esac
	if [ -z "$subs" ]; then
		assert_eq "$(ak "$cmd" --help | help_options)" "$(completed_options "$cmd")" \
			"options of $cmd"
		continue
	fi
	all=$(completed_options "$cmd")
	for sub in $subs; do
		all="$all $(completed_options "$cmd" "$sub")"
		[ "$cmd" = backup ] || continue
		assert_eq "$(ak backup "$sub" --help | help_options)" "$(completed_options backup "$sub")" \
			"options of backup $sub"
	done
	for opt in $(ak "$cmd" --help | help_options); do
		assert_contains " $all " " $opt " "the options of $cmd's subcommands"
	done
done
assert_eq "on off now status versions delete undelete password " "$(ak complete backup '' | cut -f1 | tr '\n' ' ')" \
	"backup's subcommands"
assert_eq "--json --offline " "$(completed_options backup status)" "backup status options"

# Values: import formats (from the library), choices, files.
assert_eq "2fas aegis andotp authenticator-plus authy auto battlenet bitwarden bitwarden-csv duo \
freeotp freeotp-plus gauth gauth-db image msauth-db proton steam stratum stratum-db \
totp-authenticator uris winauth " "$(candidates import --format '')" "import formats"
assert_eq "--format=aegis --format=andotp --format=authenticator-plus --format=authy --format=auto " \
	"$(candidates import --format=a)" "import --format=a"
assert_eq "aegis gauth qr uris " "$(candidates export --format '')" "export formats"
assert_eq "email phone " "$(candidates verify X --send '')" "verify --send"
assert_eq ":file " "$(candidates import '')" "a file to import"
assert_eq ":file " "$(candidates add --qr '')" "add --qr IMAGE"
assert_eq "" "$(candidates approve --number '')" "a number is not completed"

# Account names: none while the vault is locked, and no prompt, even on a
# terminal-less run with no passphrase at all.
setup_three
ak add "otpauth://totp/Bank%20of%20Nowhere:bob?secret=MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U&issuer=Bank%20of%20Nowhere" >/dev/null ||
	fail "add a name with spaces"
unset AUTHKEEP_PASSPHRASE
assert_ok timeout 20 "$AUTHKEEP_BIN" complete code ''
assert_eq "" "$(cat "$T/out")$(cat "$T/err")" "locked: no names, no prompt, nothing on stderr"
keyctl show @s >/dev/null 2>&1 || skip "the kernel session keyring is not available here"
at_exit '"$AUTHKEEP_BIN" lock >/dev/null 2>&1'
AUTHKEEP_PASSPHRASE="correct horse battery staple" assert_ok ak unlock --for 10m
assert_eq "Bank of Nowhere:bob Bank:alice GitHub:alice@example.com VPN:alice " \
	"$(candidates code '')" "unlocked: the accounts"
assert_eq "Bank of Nowhere:bob Bank:alice " "$(candidates remove B)" "accounts starting with B"
assert_eq "GitHub:alice@example.com " "$(candidates move G)" "move's first argument"
assert_eq "" "$(candidates move GitHub:alice@example.com '')" "move's position is not an account"
assert_eq "GitHub:alice@example.com " "$(candidates code --json G)" "after an option"
assert_eq "--at --copy --json --quiet " "$(completed_options code)" "code's options"

# bash: the function as bash calls it, with COMP_WORDS split at ':' and '='
# as bash splits them.
bash_complete() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; _authkeep; ((${#COMPREPLY[@]} == 0)) || printf "%s\n" "${COMPREPLY[@]}"' \
		bash "$COMPLETIONS/authkeep.bash" "$AUTHKEEP_BIN" "$@" | sort | tr '\n' ' '
}
assert_eq "backup " "$(bash_complete ba)" "bash: a command"
assert_eq "status " "$(bash_complete backup st)" "bash: a subcommand"
assert_eq "--dry-run " "$(bash_complete import --d)" "bash: an option"
assert_eq "aegis andotp authenticator-plus authy auto " "$(bash_complete import --format = a)" "bash: --format=a"
assert_eq "gauth gauth-db " "$(bash_complete import --format g)" "bash: --format g"
assert_eq "alice@example.com " "$(bash_complete code GitHub : al)" "bash: after the ':' of a name"
assert_eq 'Bank:alice Bank\ of\ Nowhere:bob ' "$(bash_complete code Ban)" "bash: a name with spaces"
mkdir "$T/files" && touch "$T/files/export.json"
assert_eq "$T/files/export.json " "$(bash_complete import "$T/files/ex")" "bash: a file"

# zsh: the function with the completion system's builtins replaced by ones
# that print what they are given.
if command -v zsh >/dev/null; then
	zsh_complete() {
		zsh -f -c '_describe() { local w; for w in ${(P)${@[-1]}}; do print -r -- "${w%%:*}"; done }
			compadd() { [[ $1 == -- ]] && shift; print -rl -- "$@"; }
			_files() { print -r -- "(files)"; }
			autoload -Uz +X _authkeep 2>/dev/null || . "$1"
			shift; words=("$@"); CURRENT=${#words}; _authkeep' \
			zsh "$COMPLETIONS/_authkeep" "$AUTHKEEP_BIN" "$@" | sort | tr '\n' ' '
	}
	assert_eq "code contacts " "$(zsh_complete co)" "zsh: commands"
	assert_eq "--format=aegis --format=andotp --format=authenticator-plus --format=authy --format=auto " "$(zsh_complete import --format=a)" \
		"zsh: --format=a"
	assert_eq "Bank of Nowhere:bob Bank:alice " "$(zsh_complete code Ban)" "zsh: names"
	assert_eq "(files) " "$(zsh_complete import '')" "zsh: files"
else
	echo "zsh is not installed: its completion is not tested" >&2
fi

# fish: its own 'complete -C' on the installed script.
if command -v fish >/dev/null; then
	fish_complete() {
		PATH="$(dirname "$AUTHKEEP_BIN"):$PATH" fish --no-config -c \
			"source '$COMPLETIONS/authkeep.fish'; complete -C '$1'" | cut -f1 | sort | tr '\n' ' '
	}
	assert_eq "code contacts " "$(fish_complete 'authkeep co')" "fish: commands"
	assert_eq "status " "$(fish_complete 'authkeep backup st')" "fish: a subcommand"
	assert_eq "--format=aegis --format=andotp --format=authenticator-plus --format=authy --format=auto " \
		"$(fish_complete 'authkeep import --format=a')" "fish: --format=a"
	assert_eq "GitHub:alice@example.com " "$(fish_complete 'authkeep code Git')" "fish: names"
	assert_eq "$T/files/export.json " "$(fish_complete "authkeep import $T/files/ex")" "fish: files"
else
	echo "fish is not installed: its completion is not tested" >&2
fi

# Locked again: the names go, the rest stays.
ak lock >/dev/null
assert_eq "" "$(bash_complete code Ban)" "bash: locked, no names"
assert_eq "backup " "$(bash_complete ba)" "bash: locked, commands still"
echo "ok"
