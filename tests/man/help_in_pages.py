#!/usr/bin/env python3
"""Every option that --help shows is in the man page.

Runs the programs under test ($AUTHKEEP_BIN, $AUTHKEEPD_BIN) for their help:
`authkeep --help`, `authkeep CMD --help` for each command it lists, and
`authkeep CMD SUB --help` for each subcommand a command's help names;
`authkeepd --help` and `authkeepd admin --help`. Each option they show (on
a usage line, an option line, or in brackets) must be in the built page:
a command's options in its section (`## authkeep CMD` or `## authkeep CMD
SUB` in man/authkeep.1.scd), authkeepd's anywhere in authkeepd(8), the
admin commands and options in its `## authkeepd admin` section. Every
command has a section, and every AUTHKEEP_ variable a help names is in the
page. Usage: help_in_pages.py BUILT_PAGE...
"""
import os
import re
import subprocess
import sys
import tempfile

OPTION = re.compile(r"(?<![\w/.-])(--?[A-Za-z][A-Za-z0-9-]*)")
BRACKETED = re.compile(r"\[(--?[A-Za-z][A-Za-z0-9-]*)")
VARIABLE = re.compile(r"\bAUTHKEEP_[A-Z_]+\b")
ROFF_FONT = re.compile(r"\\f[BIRP]")
ROFF_ESCAPES = [(r"\&", ""), (r"\-", "-"), (r"\(aq", "'"),
                (r"\*(Aq", "'"), (r"\e", "\\")]

failures = []
checked = {"helps": 0, "options": 0}


def fail(message):
    failures.append(message)


def read_page(path):
    """The page's sections as (title, text), the roff escapes undone."""
    sections = [("", [])]
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = ROFF_FONT.sub("", line)
            for escape, plain in ROFF_ESCAPES:
                line = line.replace(escape, plain)
            if line.startswith((".SH ", ".SS ")):
                sections.append((line[4:].strip().strip('"'), []))
            elif not line.startswith((".", "'")) or line.startswith(".\\\""):
                sections[-1][1].append(line)
    return [(title, "".join(text)) for title, text in sections]


def has_option(text, option):
    return re.search(r"(?<![\w-])" + re.escape(option) + r"(?![\w-])", text) is not None


def run_help(argv):
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, text=True, timeout=60)
    checked["helps"] += 1
    if result.returncode != 0:
        fail("%s exits %d: %s" % (" ".join(argv), result.returncode, result.stdout.strip()))
    return result.stdout


def help_options(text):
    """The options a help shows: on its usage lines (up to the first blank
    line), on lines that start with an option, and in brackets."""
    found = []
    lines = text.splitlines()
    in_usage = False
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("usage:"):
            in_usage = True
        elif not stripped:
            in_usage = False
        if in_usage or stripped.startswith("-"):
            found += OPTION.findall(line)
        found += BRACKETED.findall(line)
    options = list(dict.fromkeys(found))
    checked["options"] += len(options)
    return options


def listed_commands(text, words_max):
    """The commands a help lists under 'Commands:': the lowercase words that
    begin each line of the list (at most WORDS_MAX of them), before its
    placeholders (ORG, [--qr]) and before the gap to its description."""
    commands, inside = [], False
    for line in text.splitlines():
        if line.strip() == "Commands:":
            inside = True
            continue
        if inside and not line.strip():
            break
        if inside and re.match(r"  \S", line):
            words = []
            for word in re.split(r"\s{2,}", line.strip())[0].split()[:words_max]:
                if not re.fullmatch(r"[a-z][a-z0-9-]*", word):
                    break
                words.append(word)
            if words:
                commands.append(" ".join(words))
    return commands


def subcommands(command, text):
    """Subcommands a command's help names: in an indented list of words
    (backup: '  on   turn backup on') or on a usage line ('authkeep devices
    remove DEVICE')."""
    found = []
    for line in text.splitlines():
        m = re.match(r"  ([a-z][a-z-]*)  +\S", line)
        if m:
            found.append(m.group(1))
        for m in re.finditer(r"authkeep %s ([a-z][a-z-]*)\b" % re.escape(command), line):
            found.append(m.group(1))
        if line.lstrip().startswith("authkeep %s " % command) or "usage: authkeep %s " % command in line:
            for alt in re.findall(r"\s\|\s+([a-z][a-z-]*)\b", line):
                found.append(alt)
    return list(dict.fromkeys(found))


def sections_for(page, program, words):
    """The text of every section titled PROGRAM W... where W and the
    command's words agree as far as both go."""
    texts = []
    for title, text in page:
        parts = title.split()
        if len(parts) < 2 or parts[0] != program:
            continue
        t = parts[1:]
        n = min(len(t), len(words))
        if t[:n] == words[:n]:
            texts.append(text)
    return "\n".join(texts) if texts else None


def check_authkeep(page, authkeep):
    whole = "\n".join(text for _, text in page)
    top = run_help([authkeep, "--help"])
    variables = set(VARIABLE.findall(top))
    for option in help_options(top):
        if not has_option(whole, option):
            fail("authkeep(1) lacks %s (authkeep --help)" % option)
    commands = listed_commands(top, 1)
    if len(commands) < 5:
        fail("authkeep --help lists only %r as commands" % commands)
    for command in commands:
        text = run_help([authkeep, command, "--help"])
        variables |= set(VARIABLE.findall(text))
        helps = [([command], text)]
        for sub in subcommands(command, text):
            sub_text = run_help([authkeep, command, sub, "--help"])
            if sub_text != text:
                variables |= set(VARIABLE.findall(sub_text))
                helps.append(([command, sub], sub_text))
        for words, text in helps:
            section = sections_for(page, "authkeep", words)
            if section is None:
                fail("authkeep(1) has no section for 'authkeep %s'" % " ".join(words))
                continue
            for option in help_options(text):
                if not has_option(section, option):
                    fail("authkeep(1) lacks %s in the section of 'authkeep %s'"
                         % (option, " ".join(words)))
    for variable in sorted(variables):
        if not has_option(whole, variable):
            fail("authkeep(1) lacks the variable %s" % variable)


def check_authkeepd(page, authkeepd):
    whole = "\n".join(text for _, text in page)
    for option in help_options(run_help([authkeepd, "--help"])):
        if not has_option(whole, option):
            fail("authkeepd(8) lacks %s (authkeepd --help)" % option)
    admin = run_help([authkeepd, "admin", "--help"])
    section = sections_for(page, "authkeepd", ["admin"])
    if section is None:
        fail("authkeepd(8) has no section for 'authkeepd admin'")
        return
    for option in help_options(admin):
        if not has_option(section, option):
            fail("authkeepd(8) lacks %s in the section of 'authkeepd admin'" % option)
    commands = listed_commands(admin, 2)
    if not commands:
        fail("authkeepd admin --help lists no commands")
    for command in commands:
        if command not in section:
            fail("authkeepd(8) lacks the admin command '%s'" % command)


def main():
    pages = {os.path.basename(p): p for p in sys.argv[1:]}
    if not pages:
        print("SKIP: no man pages were built (scdoc missing)")
        return 77
    # A folder of its own, so that no command finds a vault.
    with tempfile.TemporaryDirectory() as home:
        os.environ["AUTHKEEP_HOME"] = os.path.join(home, "device")
        check_authkeep(read_page(pages["authkeep.1"]), os.environ["AUTHKEEP_BIN"])
        check_authkeepd(read_page(pages["authkeepd.8"]), os.environ["AUTHKEEPD_BIN"])
    print("%d helps read, %d options looked for" % (checked["helps"], checked["options"]))
    for message in failures:
        print("FAIL: " + message)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
