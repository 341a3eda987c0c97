# pipelab.bash — bash completion for pipelab (`make install` puts it where
# bash-completion finds it; or `source completion/pipelab.bash` by hand).
#
# The commands and each command's options are read from the program itself
# (`pipelab --help`, `pipelab COMMAND --help`) and the backend names from
# `pipelab backends`, so completion cannot fall behind the program. Only the
# fixed values of --format, --metrics and --kind are listed here. Plain bash:
# no helper from the bash-completion package is needed.

# _pipelab_reply WORDS: the words among WORDS that start with the current word.
_pipelab_reply() {
    local IFS=$'\n'
    COMPREPLY=($(compgen -W "$1" -- "$cur"))
}

# _pipelab_files: complete file and folder names.
_pipelab_files() {
    compopt -o filenames 2>/dev/null
    local IFS=$'\n'
    COMPREPLY=($(compgen -f -- "$cur"))
}

_pipelab() {
    local prog=${COMP_WORDS[0]} cur=${COMP_WORDS[COMP_CWORD]} prev="" i=$((COMP_CWORD - 1))
    # bash splits "--workers=4" into "--workers" "=" "4": step over the "=".
    [ "$cur" = "=" ] && cur="" && i=$COMP_CWORD
    [ "$i" -ge 1 ] && [ "${COMP_WORDS[i]}" = "=" ] && i=$((i - 1))
    [ "$i" -ge 1 ] && prev=${COMP_WORDS[i]}
    COMPREPLY=()

    if [ "$COMP_CWORD" -eq 1 ]; then
        _pipelab_reply "$("$prog" --help 2>/dev/null |
            awk '/^commands:/ { on = 1; next } on && NF == 0 { on = 0 } on { print $1 }')
--help
--help-all
--version"
        return 0
    fi

    local cmd=${COMP_WORDS[1]} options
    # "--name ARG" or "--name" per line, for this command's options only.
    options=$("$prog" "$cmd" --help 2>/dev/null |
        awk '$1 ~ /^--/ { print $1, ($2 ~ /^[A-Z]+$/ ? $2 : "") }')

    case $(printf '%s\n' "$options" | awk -v o="$prev" '$1 == o { print $2 }') in
        "") ;;                                    # not an option taking a value
        FILE) _pipelab_files; return 0 ;;
        NAME) _pipelab_reply "$("$prog" backends 2>/dev/null | awk '{ print $1 }')"; return 0 ;;
        FMT)
            case $prev in
                --format) _pipelab_reply $'container\ngzip' ;;
                --metrics) _pipelab_reply $'none\ntable\ncsv\njson' ;;
            esac
            return 0 ;;
        KIND) _pipelab_reply $'text\nrandom\nzeros\nmixed'; return 0 ;;
        LIST)
            if [ "$prev" = --backends ]; then     # a comma list: complete its last name
                local done_part="" names
                case $cur in *,*) done_part=${cur%,*}, ;; esac
                names=$("$prog" backends 2>/dev/null | awk -v p="$done_part" '{ print p $1 }')
                compopt -o nospace 2>/dev/null
                _pipelab_reply "$names"
            fi
            return 0 ;;
        *) return 0 ;;                            # a number, size or list: nothing to offer
    esac

    case $cur in
        -*) _pipelab_reply "$(printf '%s\n' "$options" | awk '{ print $1 }')" ;;
        *) _pipelab_files ;;
    esac
    return 0
}
complete -F _pipelab pipelab
