#!/usr/bin/env python3
"""Checks the vault of $AUTHKEEP_HOME account by account against expected accounts.

usage: check_accounts.py EXPECTED.json [NAME]

EXPECTED.json is a list of accounts, or an object whose files[NAME].accounts is
(tests/../shared/fixtures/interop/more/expected.json, or the expected.json of
the apps' made exports). Each account: secret (base32), type, algorithm,
digits, period or counter, issuer, name, and "unchecked" (fields the format
leaves open) and "note" (words for people). The vault must hold exactly these
accounts, matched by secret, and each is compared field by field. Codes are
checked too: TOTP codes at four times and each HOTP account's next code (which
uses it up) against oathtool (HOTP with SHA-256/512 as oathtool's TOTP with a
1-second step at T = counter, which is the same HMAC), Steam codes against the
few lines of Steam's algorithm below. Prints every difference; exits 1 when
there is one.
"""
import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import urllib.parse as up

AK = os.environ["AUTHKEEP_BIN"]
TIMES = [59, 1111111109, 2000000000, 20000000000]
STEAM_ALPHABET = "23456789BCDFGHJKMNPQRTVWXY"


def ak(*args):
    return subprocess.run([AK, *args], check=True, capture_output=True, text=True).stdout


def oathtool(*args):
    return subprocess.run(["oathtool", *args], check=True, capture_output=True, text=True).stdout.strip()


def b32(secret):
    return base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))


def steam_code(secret, t, period=30):
    """Steam Guard: RFC 4226's truncation of HMAC-SHA1, then 5 characters of Steam's alphabet."""
    mac = hmac.new(b32(secret), (t // period).to_bytes(8, "big"), hashlib.sha1).digest()
    o = mac[-1] & 0x0F
    n = int.from_bytes(mac[o:o + 4], "big") & 0x7FFFFFFF
    code = ""
    for _ in range(5):
        code += STEAM_ALPHABET[n % len(STEAM_ALPHABET)]
        n //= len(STEAM_ALPHABET)
    return code


def vault_accounts():
    """The vault's accounts as its uris export writes them, with their ids from list --json."""
    out = []
    ids = [a["id"] for a in json.loads(ak("list", "--json"))]
    uris = [line for line in ak("export", "--format", "uris").splitlines() if line.strip()]
    for uri, id_ in zip(uris, ids):
        u = up.urlsplit(uri)
        q = dict(up.parse_qsl(u.query))
        label = up.unquote(u.path.lstrip("/"))
        issuer, _, name = label.rpartition(":")
        a = {"id": id_, "type": u.netloc, "issuer": q.get("issuer", issuer), "name": name,
             "secret": q["secret"].upper().rstrip("="), "algorithm": q.get("algorithm", "SHA1").upper(),
             "digits": int(q.get("digits", 6))}
        if u.netloc == "hotp":
            a["counter"] = int(q.get("counter", 0))
        else:
            a["period"] = int(q.get("period", 30))
        out.append(a)
    return out


def main():
    data = json.load(open(sys.argv[1]))
    want = data if isinstance(data, list) else data["files"][sys.argv[2]]["accounts"]
    what = sys.argv[2] if len(sys.argv) > 2 else sys.argv[1]
    got = {a["secret"]: a for a in vault_accounts()}
    problems = []
    if len(got) != len(want):
        problems.append(f"{len(got)} accounts in the vault, expected {len(want)}")
    codes = {t: {a["id"]: a["code"] for a in json.loads(ak("code", "--json", "--at", str(t)))} for t in TIMES}
    for w in want:
        g = got.get(w["secret"].upper().rstrip("="))
        who = f"{w.get('issuer')}:{w.get('name')}"
        if g is None:
            problems.append(f"missing {who}")
            continue
        for k, v in w.items():
            if k in ("unchecked", "note") or k in w.get("unchecked", []):
                continue
            if g.get(k) != v:
                problems.append(f"{who}: {k} is {g.get(k)!r}, expected {v!r}")
        alg, digits, secret = g["algorithm"], str(g["digits"]), g["secret"]
        if g["type"] == "totp":
            for t in TIMES:
                ref = oathtool(f"--totp={alg}", "-d", digits, "-s", str(g["period"]), "-b", "-N", f"@{t}", secret)
                if codes[t][g["id"]] != ref:
                    problems.append(f"{who}: code at {t} is {codes[t][g['id']]}, oathtool says {ref}")
        elif g["type"] == "steam":
            for t in TIMES:
                if codes[t][g["id"]] != steam_code(secret, t, g["period"]):
                    problems.append(f"{who}: Steam code at {t} is {codes[t][g['id']]}, "
                                    f"expected {steam_code(secret, t, g['period'])}")
        elif g["type"] == "hotp":
            shown = json.loads(ak("code", g["id"], "--json"))[0]
            c = shown["counter"]
            if alg == "SHA1":
                ref = oathtool("--hotp", "-d", digits, "-b", "-c", str(c), secret)
            else:
                ref = oathtool(f"--totp={alg}", "-d", digits, "-s", "1", "-b", "-N", f"@{c}", secret)
            if c != g["counter"] or shown["code"] != ref:
                problems.append(f"{who}: HOTP code {shown['code']} at counter {c} "
                                f"(stored {g['counter']}), oathtool says {ref}")
    for p in problems:
        print(f"{what}: {p}")
    sys.exit(1 if problems else 0)


main()
