# fish completion for authkeep. The candidates come from the program itself
# ('authkeep complete WORD...'), so they follow the commands and options of
# the authkeep that is installed. Account names are completed only while the
# vault is unlocked ('authkeep unlock'); completing never asks for the
# passphrase.

function __authkeep_complete
    set -l words (commandline -opc) (commandline -ct)
    set -l out (command $words[1] complete -- $words[2..-1] 2>/dev/null </dev/null)
    if test "$out" = ":file"
        __fish_complete_path (commandline -ct)
        return
    end
    printf '%s\n' $out
end

complete -c authkeep -f -a '(__authkeep_complete)'
