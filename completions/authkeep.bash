# bash completion for authkeep. The candidates come from the program itself
# ('authkeep complete WORD...'), so they follow the commands and options of
# the authkeep that is installed. Account names are completed only while the
# vault is unlocked ('authkeep unlock'); completing never asks for the
# passphrase.

_authkeep()
{
	local i word cur line
	local -a words=() candidates=()

	# bash splits '--format=aegis' and 'GitHub:alice' at '=' and ':'
	# (COMP_WORDBREAKS); the program wants them whole.
	for ((i = 1; i <= COMP_CWORD; i++)); do
		word=${COMP_WORDS[i]}
		if ((${#words[@]} > 0)) && [[ $word == [=:]* || ${words[-1]} == *[=:] ]]; then
			words[-1]+=$word
		else
			words+=("$word")
		fi
	done
	((${#words[@]} > 0)) || words=("")
	cur=${words[-1]}
	# A word being typed in quotes: complete what is inside them.
	cur=${cur#[\"\']}
	words[-1]=$cur

	while IFS= read -r line; do
		case $line in
		:file)
			compopt -o filenames 2>/dev/null
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
			return 0
			;;
		esac
		line=${line%%$'\t'*}
		# Only the part after the last '=' or ':' is the word bash replaces.
		if [[ $cur == *[=:]* ]]; then
			word=${cur%"${cur##*[=:]}"}
			line=${line#"$word"}
		fi
		candidates+=("$line")
	done < <("${COMP_WORDS[0]}" complete -- "${words[@]}" 2>/dev/null </dev/null)

	COMPREPLY=()
	for word in "${candidates[@]}"; do
		# Names with spaces or quotes stay one word.
		if [[ $word == *[[:space:]\'\"\\\$\`\(\)\&\;\<\>\|]* ]]; then
			COMPREPLY+=("$(printf '%q' "$word")")
		else
			COMPREPLY+=("$word")
		fi
	done
	return 0
}
complete -F _authkeep authkeep
