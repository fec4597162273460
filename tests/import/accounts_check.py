#!/usr/bin/env python3
"""Checks the vault of $AUTHKEEP_HOME against a list of expected accounts.

usage: accounts_check.py EXPECTED.json FILE

EXPECTED.json maps FILE to {"accounts": [...]}, as more/expected.json does:
each account's secret (base32), type, algorithm, digits, period or counter,
issuer and name; fields listed under "unchecked" are left out. Accounts are
matched by secret; each is compared field by field, and its codes with
oathtool's: TOTP at three times, HOTP at its counter (which uses that code
up). Steam codes have no oathtool mode: their parameters are checked only.
"""
import json
import os
import subprocess
import sys
import urllib.parse as up

AK = os.environ["AUTHKEEP_BIN"]
TIMES = [59, 1111111109, 20000000000]


def ak(*args):
    return subprocess.run([AK, *args], check=True, capture_output=True, text=True).stdout


def oathtool(acct, at=None):
    # oathtool's HOTP is SHA-1 only; HOTP at counter C is its TOTP with a 1 s step at time C.
    step, at = (1, acct["counter"]) if acct["type"] == "hotp" else (acct["period"], at)
    args = ["oathtool", "--base32", "--digits", str(acct["digits"]),
            f"--totp={acct['algorithm']}", f"--time-step-size={step}s", "--now", f"@{at}"]
    return subprocess.run(args + [acct["secret"]], check=True, capture_output=True,
                          text=True).stdout.strip()


def exported():
    """The vault's accounts as its URI export gives them, with their ids from list."""
    out = {}
    ids = {(a["issuer"], a["account"]): a["id"] for a in json.loads(ak("list", "--json"))}
    for line in ak("export", "--format", "uris").splitlines():
        u = up.urlsplit(line.strip())
        q = dict(up.parse_qsl(u.query))
        label = up.unquote(u.path.lstrip("/"))
        issuer, _, name = label.rpartition(":")
        a = {"type": u.netloc, "issuer": q.get("issuer", issuer), "name": name,
             "secret": q["secret"].upper().rstrip("="),
             "algorithm": q.get("algorithm", "SHA1").upper(), "digits": int(q.get("digits", 6))}
        if a["type"] == "steam":
            a["digits"] = 5
        if a["type"] == "hotp":
            a["counter"] = int(q.get("counter", 0))
        else:
            a["period"] = int(q.get("period", 30))
        a["id"] = ids.get((a["issuer"], a["name"]))
        out[a["secret"]] = a
    return out


def main():
    expected = json.load(open(sys.argv[1]))["files"][sys.argv[2]]
    got = exported()
    problems = []
    if len(got) != len(expected["accounts"]):
        problems.append(f"{len(got)} accounts, expected {len(expected['accounts'])}")
    codes = {}
    for t in TIMES:
        for a in json.loads(ak("code", "--json", "--at", str(t))):
            codes[(a["id"], t)] = a["code"]
    for w in expected["accounts"]:
        who = f"{w['issuer']}:{w['name']}"
        g = got.get(w["secret"].upper().rstrip("="))
        if g is None:
            problems.append(f"{who}: missing")
            continue
        for k, v in w.items():
            if k in ("unchecked", "note") or k in w.get("unchecked", []):
                continue
            if g.get(k) != v:
                problems.append(f"{who}: {k} is {g.get(k)!r}, expected {v!r}")
        if g["type"] == "totp":
            for t in TIMES:
                want = oathtool(g, t)
                if codes.get((g["id"], t)) != want:
                    problems.append(f"{who}: code at {t} is {codes.get((g['id'], t))}, "
                                    f"oathtool says {want}")
        elif g["type"] == "hotp":
            want = oathtool(g)
            code = ak("code", g["id"], "--quiet").strip()
            if code != want:
                problems.append(f"{who}: code at counter {g['counter']} is {code}, "
                                f"oathtool says {want}")
    for p in problems:
        print(f"{sys.argv[2]}: {p}")
    sys.exit(1 if problems else 0)


main()
