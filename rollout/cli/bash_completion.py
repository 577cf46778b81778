"""rollout's bash completion class: Click's, reading the typed line so `key=value` stays one word.

Imported only when completing (RolloutGroup._main_shell_completion) or printing the script
(`rollout completion`): registering it is all importing it does.
"""

from __future__ import annotations

import os

from click.shell_completion import BashComplete, CompletionItem, add_completion_class, split_arg_string

from rollout import numbers

BASH_SOURCE = """\
%(complete_func)s() {
    local IFS=$'\\n'
    local response

    response=$(env COMP_WORDS="${COMP_WORDS[*]}" COMP_CWORD=$COMP_CWORD \\
COMP_LINE="$COMP_LINE" COMP_POINT=$COMP_POINT COMP_WORDBREAKS="$COMP_WORDBREAKS" \\
%(complete_var)s=bash_complete $1)

    for completion in $response; do
        IFS=',' read type value <<< "$completion"

        if [[ $type == 'dir' ]]; then
            COMPREPLY=()
            compopt -o dirnames
        elif [[ $type == 'file' ]]; then
            COMPREPLY=()
            compopt -o default
        elif [[ $type == 'plain' ]]; then
            COMPREPLY+=($value)
        fi
    done

    return 0
}

%(complete_func)s_setup() {
    complete -o nosort -F %(complete_func)s %(prog_name)s
}

%(complete_func)s_setup;
"""


class KeyValueBashComplete(BashComplete):
    """Click's bash completion, reading the words from the typed line so `key=value` stays one word."""

    source_template = BASH_SOURCE

    def get_completion_args(self) -> tuple[list[str], str]:
        line = os.environ.get("COMP_LINE")
        point = os.environ.get("COMP_POINT", "")
        if line is None or not numbers.is_digits(point):  # an older script without the line: Click's reading
            return super().get_completion_args()
        typed = line[: int(point)]
        words = split_arg_string(typed)
        if not typed or typed[-1].isspace():
            return words[1:], ""
        return words[1:-1], words[-1] if words else ""

    def format_completion(self, item: CompletionItem) -> str:
        _args, incomplete = self.get_completion_args()
        breaks = os.environ.get("COMP_WORDBREAKS", "")
        cut = max((incomplete.rfind(ch) for ch in breaks if ch not in "\"'"), default=-1) + 1
        value = item.value
        if cut and item.type == "plain" and value.startswith(incomplete[:cut]):
            value = value[cut:]
        return f"{item.type},{value}"


add_completion_class(KeyValueBashComplete, "bash")
