#!/usr/bin/env python3
"""Writes other apps' exports from their public descriptions, independently of authkeep.

usage: make_exports.py KIND OUT EXPECTED [PASSWORD]

Writes the export KIND to OUT and the accounts it must yield (for
check_accounts.py) to EXPECTED. Encryption uses Python's hashlib and Debian's
python3-cryptography and python3-argon2, never authkeep's code. KINDs:
  stratum-json stratum-encrypted stratum-legacy stratum-db   Authenticator Pro
  steam-old steam-new                                        Steam Guard files
  sda          Steam Desktop Authenticator's folder OUT (encrypted with PASSWORD, else plain)
  duo                                                        Duo Mobile accounts.json
  bitwarden-csv                                              Bitwarden CSV
  winauth                                                    WinAuth text export
  2fas-1 2fas-2                                              2FAS schema 1 and 2
  andotp-old                                                 andOTP before 0.6.3
"""
import base64
import hashlib
import json
import os
import sqlite3
import sys
import urllib.parse as up

# A spread of what accounts hold: every algorithm, 6 to 8 digits, periods and
# counters other than the defaults, Steam, and names that need escaping.
TOTP = [
    dict(type="totp", secret="4SJHB4GSD43FZBAI7C2HLRJGPQ", algorithm="SHA1", digits=6, period=30,
         issuer="Deno", name="Mason"),
    dict(type="totp", secret="5OM4WOOGPLQEF6UGN3CPEOOLWU", algorithm="SHA256", digits=7, period=20,
         issuer="SPDX", name="James"),
    dict(type="totp", secret="7ELGJSGXNCCTV3O6LKJWYFV2RA", algorithm="SHA512", digits=8, period=50,
         issuer="Café, \"Bar\" & Co", name="élodie@example.org"),
]
HOTP = [
    dict(type="hotp", secret="YOOMIXWS5GN6RTBPUFFWKTW5M4", algorithm="SHA1", digits=6, counter=1,
         issuer="Issuu", name="James"),
    dict(type="hotp", secret="KUVJJOM753IHTNDSZVCNKL7GII", algorithm="SHA256", digits=7, counter=50,
         issuer="Air Canada", name="Benjamin"),
    dict(type="hotp", secret="5VAML3X35THCEBVRLV24CGBKOY", algorithm="SHA512", digits=8, counter=10300,
         issuer="WWE", name="Mason"),
]
STEAM = dict(type="steam", secret="JRZCL47CMXVOQMNPZR2F7J4RGI", algorithm="SHA1", digits=5, period=30,
             issuer="Boeing", name="Sophia")
ALL = TOTP + HOTP + [STEAM]


def raw(secret):
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


def uri(a):
    label = up.quote(f"{a['issuer']}:{a['name']}")
    q = {"secret": a["secret"], "issuer": a["issuer"], "algorithm": a["algorithm"], "digits": a["digits"]}
    if a["type"] == "hotp":
        q["counter"] = a["counter"]
    else:
        q["period"] = a["period"]
    return f"otpauth://{a['type']}/{label}?{up.urlencode(q, quote_via=up.quote)}"


# ----- Authenticator Pro (Stratum) -----
STRATUM_TYPES = {"hotp": 1, "totp": 2, "steam": 4}
STRATUM_ALGS = {"SHA1": 0, "SHA256": 1, "SHA512": 2}


def stratum_json():
    items = [{"Type": STRATUM_TYPES[a["type"]], "Icon": None, "Issuer": a["issuer"], "Username": a["name"],
              "Secret": a["secret"], "Pin": None, "Algorithm": STRATUM_ALGS[a["algorithm"]],
              "Digits": a["digits"], "Period": a.get("period", 30), "Counter": a.get("counter", 0),
              "Ranking": i, "CopyCount": 0} for i, a in enumerate(ALL)]
    # An mOTP account (type 3) is listed, and unreadable: it is not supported.
    items.append({"Type": 3, "Icon": None, "Issuer": "Old bank", "Username": "motp", "Secret": "ab12cd34ef56ab12",
                  "Pin": "1234", "Algorithm": 0, "Digits": 6, "Period": 10, "Counter": 0, "Ranking": 9})
    return json.dumps({"Authenticators": items, "Categories": [], "AuthenticatorCategories": [],
                       "CustomIcons": []}).encode()


def stratum_encrypted(password):
    from argon2.low_level import Type, hash_secret_raw
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    salt, nonce = os.urandom(16), os.urandom(12)
    key = hash_secret_raw(password.encode(), salt, time_cost=3, memory_cost=65536, parallelism=4,
                          hash_len=32, type=Type.ID)
    return b"AUTHENTICATORPRO" + salt + nonce + AESGCM(key).encrypt(nonce, stratum_json(), None)


def aes_cbc(key, iv, data):
    """AES-CBC with PKCS#7 padding, as .NET's and Java's defaults write it."""
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    padder = padding.PKCS7(128).padder()
    pt = padder.update(data) + padder.finalize()
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return enc.update(pt) + enc.finalize()


def stratum_legacy(password):
    salt, iv = os.urandom(20), os.urandom(16)
    key = hashlib.pbkdf2_hmac("sha1", password.encode(), salt, 64000, 32)
    return b"AuthenticatorPro" + salt + iv + aes_cbc(key, iv, stratum_json())


def stratum_db(path):
    db = sqlite3.connect(path)
    # The table as sqlite-net creates it for the app's Authenticator class.
    db.execute('CREATE TABLE "authenticator"("Secret" varchar primary key not null, "Issuer" varchar, '
               '"Username" varchar, "Type" integer, "Icon" varchar, "Algorithm" integer, "Digits" integer, '
               '"Period" integer, "Counter" integer, "Ranking" integer, "CopyCount" integer, "Pin" varchar)')
    for a in json.loads(stratum_json())["Authenticators"]:
        db.execute("INSERT INTO authenticator VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                   (a["Secret"], a["Issuer"], a["Username"], a["Type"], None, a["Algorithm"], a["Digits"],
                    a["Period"], a["Counter"], a["Ranking"], 0, a["Pin"]))
    db.commit()
    db.close()


# ----- Steam -----
STEAM_ACCOUNTS = [
    dict(STEAM, issuer="Steam", name="sophia_gamer"),
    dict(STEAM, secret="KRUGS4ZANFZSAYJAORSXG5BA", issuer="Steam", name="second"),
]


def steam_entry(a, steamid):
    return {"shared_secret": base64.b64encode(raw(a["secret"])).decode(), "serial_number": "1234567890",
            "revocation_code": "R12345", "uri": "otpauth://totp/Steam:" + a["name"] + "?secret=" + a["secret"]
            + "&issuer=Steam", "server_time": 1600000000, "account_name": a["name"], "token_gid": "abc",
            "identity_secret": base64.b64encode(b"identity").decode(),
            "secret_1": base64.b64encode(b"secret one").decode(), "status": 1, "steamid": steamid}


def steam_old():
    # Steam Desktop Authenticator's .maFile: one account, with the session SDA keeps.
    e = steam_entry(STEAM_ACCOUNTS[0], "76561190000000001")
    e.pop("steamid")
    e.update(device_id="android:0000", fully_enrolled=True, Session={"SteamID": 76561190000000001})
    return json.dumps(e).encode(), STEAM_ACCOUNTS[:1]


def steam_new():
    accounts = {f"7656119000000000{i}": dict(steam_entry(a, f"7656119000000000{i}"), steamguard_scheme="2")
                for i, a in enumerate(STEAM_ACCOUNTS)}
    return json.dumps({"accounts": accounts}).encode(), STEAM_ACCOUNTS


def sda(folder, passkey):
    """Steam Desktop Authenticator's maFiles folder: manifest.json and one maFile an account,
    encrypted with PBKDF2-HMAC-SHA1(passkey, salt, 50,000, 32 bytes) and AES-256-CBC when
    `passkey` is given (SDA's FileEncryptor.cs), plain otherwise."""
    os.makedirs(folder, exist_ok=True)
    entries = []
    for i, a in enumerate(STEAM_ACCOUNTS):
        steamid = 76561190000000001 + i
        e = dict(steam_entry(a, str(steamid)), device_id="android:%04d" % i, fully_enrolled=True,
                 Session={"SteamID": steamid})
        e.pop("steamid")
        data = json.dumps(e).encode()
        name = f"{steamid}.maFile"
        iv = salt = None
        if passkey:
            salt, iv = os.urandom(8), os.urandom(16)
            key = hashlib.pbkdf2_hmac("sha1", passkey.encode(), salt, 50000, 32)
            data = base64.b64encode(aes_cbc(key, iv, data))
            iv, salt = base64.b64encode(iv).decode(), base64.b64encode(salt).decode()
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)
        entries.append({"encryption_iv": iv, "encryption_salt": salt, "filename": name, "steamid": steamid})
    manifest = {"encrypted": bool(passkey), "first_run": False, "entries": entries, "periodic_checking": False,
                "periodic_checking_interval": 5, "periodic_checking_checkall": False, "auto_confirm_market_transactions":
                False, "auto_confirm_trades": False}
    with open(os.path.join(folder, "manifest.json"), "w") as f:
        json.dump(manifest, f)
    return STEAM_ACCOUNTS


# ----- Duo -----
def duo():
    want = [dict(TOTP[0], issuer=""), dict(HOTP[0], issuer="", counter=7)]
    items = [{"version": 1.0, "accountType": "OtpAccount", "name": want[0]["name"],
              "otpGenerator": {"otpSecret": want[0]["secret"]}, "pkey": "a"},
             {"version": 1.0, "accountType": "OtpAccount", "name": want[1]["name"],
              "otpGenerator": {"otpSecret": want[1]["secret"], "counter": 7}, "pkey": "b"},
             # A Duo Push account holds no OTP secret: listed, unreadable.
             {"version": 1.0, "accountType": "DuoAccount", "name": "Work VPN", "pkey": "c",
              "akey": "DAXXXXXXXXXXXXXXXXXX"}]
    return json.dumps(items, indent=2).encode(), want


# ----- Bitwarden CSV -----
def csv_field(v):
    v = str(v)
    if any(c in v for c in ',"\r\n'):
        return '"' + v.replace('"', '""') + '"'
    return v


def bitwarden_csv():
    header = ["folder", "favorite", "type", "name", "notes", "fields", "reprompt", "login_uri",
              "login_username", "login_password", "login_totp"]
    rows = []
    want = []
    for a in TOTP + HOTP:
        rows.append(["Work", "1", "login", a["issuer"], "a note, with a comma\r\nand a second line", "",
                     "0", "https://example.org", a["name"], 'pa"ss,word', uri(a)])
        want.append(a)
    # A bare base32 secret takes the item's name and user name; steam://SECRET the item's name.
    bare = dict(TOTP[0], secret="GEZDGNBVGY3TQOJQGEZDGNBVGY", issuer="Bare secret", name="bob")
    rows.append(["", "", "login", bare["issuer"], "", "", "0", "", bare["name"], "", bare["secret"]])
    want.append(bare)
    steam = dict(STEAM, issuer="My Steam", name="")
    rows.append(["", "", "login", steam["issuer"], "", "", "0", "", "", "", "steam://" + STEAM["secret"]])
    want.append(steam)
    # Items without a TOTP are passwords only: no entries.
    rows.append(["", "", "login", "Just a password", "", "", "0", "", "carol", "hunter2", ""])
    rows.append(["", "", "note", "A secure note", "multi\nline\nnote", "", "0", "", "", "", ""])
    text = "\ufeff" + "\r\n".join(",".join(csv_field(v) for v in r) for r in [header] + rows) + "\r\n"
    return text.encode(), want


# ----- WinAuth -----
def winauth():
    lines, want = [], []
    for a in TOTP + HOTP:
        # WinAuth's form: issuer:label with the label form-encoded ('+' for spaces).
        label = a["issuer"] + ":" + up.quote_plus(a["name"])
        q = f"secret={a['secret']}&digits={a['digits']}&issuer={up.quote_plus(a['issuer'])}"
        if a["algorithm"] != "SHA1":
            q += "&algorithm=" + a["algorithm"]
        kind = a["type"]
        if kind == "hotp":
            q += f"&counter={a['counter']}"
        elif a["period"] != 30:
            q += f"&period={a['period']}"
        lines.append(f"otpauth://{kind}/{label.replace(' ', '%20')}?{q}&icon=Google")
        want.append(a)
    # Steam (with the Steam app's device id and data), and one written for compatibility.
    lines.append(f"otpauth://totp/Steam:sophia?secret={STEAM['secret']}&digits=5&issuer=Steam"
                 "&deviceid=android%3A1234&data=%7B%22shared_secret%22%3A%22x%22%7D")
    want.append(dict(STEAM, issuer="Steam", name="sophia"))
    lines.append("otpauth://totp/Steam:compat?secret=KRUGS4ZANFZSAYJAORSXG5BA&digits=5&issuer=Steam")
    want.append(dict(STEAM, secret="KRUGS4ZANFZSAYJAORSXG5BA", issuer="Steam", name="compat"))
    # Battle.net: TOTP, 8 digits, with its serial.
    lines.append("otpauth://totp/Battle.net:US-1234-5678-9012?secret=BMGRXPGFARQQF4GMT25JATL2VYLAHDBI"
                 "&digits=8&issuer=Battle.net&serial=US123456789012")
    want.append(dict(type="totp", secret="BMGRXPGFARQQF4GMT25JATL2VYLAHDBI", algorithm="SHA1", digits=8,
                     period=30, issuer="Battle.net", name="US-1234-5678-9012"))
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode(), want


# ----- 2FAS, schema 1 and 2 -----
def twofas(schema):
    services = []
    if schema == 1:
        # Schema 1 (2FAS 3.1): no digits, period, algorithm or token type: SHA-1, 6 digits, 30 s TOTP.
        want = [dict(a, type="totp", algorithm="SHA1", digits=6, period=30) for a in TOTP]
        want = [{k: v for k, v in a.items() if k != "counter"} for a in want]
        for i, a in enumerate(want):
            services.append({"name": a["issuer"], "secret": a["secret"], "type": "Unknown", "updatedAt": 1618417205843,
                             "otp": {"label": f"{a['issuer']}:{a['name']}", "account": a["name"],
                                     "issuer": a["issuer"]}, "order": {"position": i}})
        doc = {"appOrigin": "android", "appVersionCode": 300101, "appVersionName": "3.1.1", "schemaVersion": 1,
               "services": services, "updatedAt": 1618417377507}
    else:
        # Schema 2 (2FAS 3.8): digits, period and algorithm, no token type (every entry is TOTP).
        want = list(TOTP)
        for i, a in enumerate(want):
            services.append({"name": a["issuer"], "secret": a["secret"], "type": "Unknown", "updatedAt": 1644513743278,
                             "otp": {"label": f"{a['issuer']}:{a['name']}", "account": a["name"], "issuer": a["issuer"],
                                     "digits": a["digits"], "period": a["period"], "algorithm": a["algorithm"]},
                             "order": {"position": i}})
        doc = {"services": services, "updatedAt": 1644513857707, "schemaVersion": 2, "appVersionCode": 3080200,
               "appVersionName": "3.8.2", "appOrigin": "android", "groups": []}
    return json.dumps(doc, indent=2, ensure_ascii=False).encode(), want


# ----- andOTP before 0.6.3 -----
def andotp_old(password):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    entries = [{"secret": a["secret"], "issuer": a["issuer"], "label": a["name"], "digits": a["digits"],
                "type": a["type"].upper(), "algorithm": a["algorithm"], "thumbnail": "Default", "last_used": 0,
                "tags": [], **({"counter": a["counter"]} if a["type"] == "hotp" else {"period": a["period"]})}
               for a in ALL]
    key = hashlib.sha256(password.encode()).digest()
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, json.dumps(entries).encode(), None), ALL


def main():
    kind, out, expected = sys.argv[1:4]
    password = sys.argv[4] if len(sys.argv) > 4 else None
    want = ALL
    data = None
    if kind == "stratum-json":
        data = stratum_json()
    elif kind == "stratum-encrypted":
        data = stratum_encrypted(password)
    elif kind == "stratum-legacy":
        data = stratum_legacy(password)
    elif kind == "stratum-db":
        stratum_db(out)
    elif kind == "steam-old":
        data, want = steam_old()
    elif kind == "steam-new":
        data, want = steam_new()
    elif kind == "sda":
        want = sda(out, password)
    elif kind == "duo":
        data, want = duo()
    elif kind == "bitwarden-csv":
        data, want = bitwarden_csv()
    elif kind == "winauth":
        data, want = winauth()
    elif kind in ("2fas-1", "2fas-2"):
        data, want = twofas(int(kind[-1]))
    elif kind == "andotp-old":
        data, want = andotp_old(password)
    else:
        sys.exit(f"unknown kind {kind}")
    if data is not None:
        with open(out, "wb") as f:
            f.write(data)
    with open(expected, "w") as f:
        json.dump(want, f, ensure_ascii=False)


main()
