#!/usr/bin/env python3
"""Writes exports of FreeOTP, FreeOTP+, Authy, Battle.net, TOTP Authenticator,
Authenticator Plus and WinAuth's zip into DIR, each made from the format's
public description (lib/import/*.c and docs/formats.md tell it), in the
versions that exist, with DIR/expected.json: each file's password and the accounts it
must yield, in the shape of the interop fixtures' more/expected.json.

usage: make_apps.py DIR
Needs python3-cryptography, zip and sqlcipher; with 7z (p7zip), a WinZip AES
zip too.
"""
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

D = sys.argv[1]
FILES = {}

# The accounts, as authkeep must hold them.
DENO = dict(secret="4SJHB4GSD43FZBAI7C2HLRJGPQ", type="totp", algorithm="SHA1", digits=6, period=30,
            issuer="Deno", name="Mason")
SPDX = dict(secret="5OM4WOOGPLQEF6UGN3CPEOOLWU", type="totp", algorithm="SHA256", digits=7, period=20,
            issuer="SPDX", name="James")
AIRBNB = dict(secret="7ELGJSGXNCCTV3O6LKJWYFV2RA", type="totp", algorithm="SHA512", digits=8,
              period=50, issuer="Airbnb", name="Élodie 😀")
ISSUU = dict(secret="YOOMIXWS5GN6RTBPUFFWKTW5M4", type="hotp", algorithm="SHA1", digits=6, counter=3,
             issuer="Issuu", name="James")
WWE = dict(secret="5VAML3X35THCEBVRLV24CGBKOY", type="hotp", algorithm="SHA512", digits=8,
           counter=10300, issuer="WWE", name="Mason")
STEAM = dict(secret="JRZCL47CMXVOQMNPZR2F7J4RGI", type="steam", algorithm="SHA1", digits=5,
             period=30, issuer="Steam", name="Sophia")


def raw(a):
    return base64.b32decode(a["secret"] + "=" * (-len(a["secret"]) % 8))


def signed(b):
    return [x - 256 if x > 127 else x for x in b]


def put(name, data, accounts, password=None):
    mode = "w" if isinstance(data, str) else "wb"
    with open(os.path.join(D, name), mode) as f:
        f.write(data)
    FILES[name] = {"password": password, "accounts": accounts}


def prefs_xml(items):
    """Android's SharedPreferences XML: (type, name, value) each."""
    from xml.sax.saxutils import escape, quoteattr
    out = ["<?xml version='1.0' encoding='utf-8' standalone='yes' ?>", "<map>"]
    for kind, name, value in items:
        if kind == "string":
            out.append(f"    <string name={quoteattr(name)}>{escape(value, {chr(34): '&quot;'})}</string>")
        else:
            out.append(f"    <{kind} name={quoteattr(name)} value={quoteattr(str(value))} />")
    out.append("</map>")
    return "\n".join(out) + "\n"


# ----- FreeOTP 1 and FreeOTP+ -----

def freeotp_token(a, with_secret=True):
    t = {"algo": a["algorithm"], "digits": a["digits"], "issuerExt": a["issuer"],
         "issuerInt": a["issuer"], "label": a["name"], "type": "HOTP" if a["type"] == "hotp" else "TOTP"}
    t["counter" if a["type"] == "hotp" else "period"] = a.get("counter", a.get("period"))
    if with_secret:
        t["secret"] = signed(raw(a))
    return t


v1 = [DENO, SPDX, AIRBNB, ISSUU, STEAM]
names = [f"{a['issuer']}:{a['name']}" for a in v1]
put("freeotp_tokens.xml", prefs_xml([("string", n, json.dumps(freeotp_token(a), ensure_ascii=False))
                                     for n, a in zip(names, v1)] +
                                    [("string", "tokenOrder", json.dumps(names, ensure_ascii=False))]), v1)
put("freeotp_plus.json", json.dumps({"tokenOrder": names, "tokens": [freeotp_token(a) for a in v1]}), v1)
# FreeOTP+ keeps FreeOTP's tokens.xml inside: the same XML, named as FreeOTP+'s.
put("freeotp_plus_tokens.xml", prefs_xml([("string", n, json.dumps(freeotp_token(a)))
                                          for n, a in zip(names[:2], v1[:2])]), v1[:2])

# ----- FreeOTP 2's backup: a serialised HashMap -----


def cesu8(s):
    out = b""
    for ch in s:
        c = ord(ch)
        if c == 0:
            out += b"\xc0\x80"
        elif c > 0xFFFF:
            c -= 0x10000
            for sur in (0xD800 + (c >> 10), 0xDC00 + (c & 0x3FF)):
                out += bytes([0xE0 | sur >> 12, 0x80 | (sur >> 6 & 0x3F), 0x80 | (sur & 0x3F)])
        else:
            out += ch.encode()
    return out


def utf(s):
    b = cesu8(s)
    return len(b).to_bytes(2, "big") + b


def jstring(s):
    b = cesu8(s)
    if len(b) > 0xFFFF:
        return b"\x7c" + len(b).to_bytes(8, "big") + b
    return b"\x74" + len(b).to_bytes(2, "big") + b


HASHMAP_DESC = (b"\x72" + utf("java.util.HashMap") + bytes.fromhex("0507dac1c31660d1") + b"\x03" +
                (2).to_bytes(2, "big") + b"F" + utf("loadFactor") + b"I" + utf("threshold") +
                b"\x78\x70")


def hashmap_data(pairs):
    body = bytes.fromhex("3f400000") + (12).to_bytes(4, "big")  # loadFactor 0.75, threshold
    body += b"\x77\x08" + (16).to_bytes(4, "big") + len(pairs).to_bytes(4, "big")
    for k, v in pairs:
        body += jstring(k) + jstring(v)
    return body + b"\x78"


def serialise(pairs, linked):
    if not linked:
        return b"\xac\xed\x00\x05\x73" + HASHMAP_DESC + hashmap_data(pairs)
    # java.util.LinkedHashMap extends HashMap: its own field after HashMap's data.
    desc = (b"\x72" + utf("java.util.LinkedHashMap") + bytes.fromhex("34c04e5c106cc0ff") + b"\x02" +
            (1).to_bytes(2, "big") + b"Z" + utf("accessOrder") + b"\x78" + HASHMAP_DESC)
    return b"\xac\xed\x00\x05\x73" + desc + hashmap_data(pairs) + b"\x00"


def gcm_params(nonce, encoding):
    octets = b"\x04" + bytes([len(nonce)]) + nonce
    if encoding == "octets":
        return octets
    return b"\x30" + bytes([len(octets) + 3]) + octets + b"\x02\x01\x10"


def wrap(key, plain, token, encoding):
    nonce = os.urandom(12)
    return {"mCipher": "AES/GCM/NoPadding", "mCipherText": signed(AESGCM(key).encrypt(nonce, plain, token.encode())),
            "mParameters": signed(gcm_params(nonce, encoding)), "mToken": token}


def freeotp2(name, accounts, password, kdf, iterations, mk_params, key_params, linked, order):
    salt, mk = os.urandom(32), os.urandom(32)
    algo = {"PBKDF2withHmacSHA1": hashes.SHA1(), "PBKDF2withHmacSHA512": hashes.SHA512()}[kdf]
    pk = PBKDF2HMAC(algorithm=algo, length=32, salt=salt, iterations=iterations).derive(password.encode())
    master = {"mAlgorithm": kdf, "mEncryptedKey": wrap(pk, mk, "AES", mk_params),
              "mIterations": iterations, "mSalt": signed(salt)}
    pairs = []
    for i, a in enumerate(accounts):
        uuid = f"{i:08x}-0000-4000-8000-{i:012x}"
        mac = "Hmac" + a["algorithm"]
        key = json.dumps({"key": json.dumps(wrap(mk, raw(a), mac, key_params))})
        tok = json.dumps(freeotp_token(a, with_secret=False), ensure_ascii=False)
        pairs += [(uuid + "-token", tok), (uuid, key)] if order == "token-first" else [(uuid, key), (uuid + "-token", tok)]
    pairs.insert(len(pairs) // 2, ("masterKey", json.dumps(master)))
    put(name, serialise(pairs, linked), accounts, password)


# Android 6 (API 23): the master key's parameters a bare OCTET STRING, the tokens' a SEQUENCE.
freeotp2("freeotp2_api23.bin", [DENO, SPDX, ISSUU, WWE], "test", "PBKDF2withHmacSHA1", 100000,
         "octets", "sequence", False, "key-first")
# Later Android versions: SEQUENCEs throughout, PBKDF2 with HMAC-SHA512, a LinkedHashMap, other order.
freeotp2("freeotp2_api30.bin", [AIRBNB, STEAM, ISSUU], "pässword", "PBKDF2withHmacSHA512", 20000,
         "sequence", "sequence", True, "token-first")

# ----- Authy -----
AUTHY_KEY = "com.authy.storage.tokens.authenticator.key"


def authy_entry(a, shown, original=None, oissuer=None, account_type="authenticator"):
    e = {"accountType": account_type, "digits": a["digits"], "name": shown, "timestamp": 1608374963,
         "upload_state": "notUploaded", "hidden": False, "id": "1608374963", "isNew": False}
    if original is not None:
        e["originalName"] = original
    if oissuer is not None:
        e["originalIssuer"] = oissuer
    return e


def authy(a, **kw):
    """Authy keeps SHA-1 and 30 s: only the digits are its own."""
    return dict(a, algorithm="SHA1", period=30, type="totp", **kw)


plain = [authy_entry(DENO, "Deno: Mason", "Deno:Mason", "Deno"),
         authy_entry(SPDX, "SPDX - James"),
         authy_entry(AIRBNB, "Élodie", account_type="airbnb")]
for e, a in zip(plain, [DENO, SPDX, AIRBNB]):
    e["decryptedSecret"] = a["secret"]
authy_plain = [authy(DENO), authy(SPDX), authy(AIRBNB, issuer="airbnb", name="Élodie")]
put("authy_plain.xml", prefs_xml([("int", "key_version", 121), ("string", AUTHY_KEY, json.dumps(plain))]),
    authy_plain)


def authy_encrypt(secret, password, salt, iterations=1000, iv=bytes(16)):
    key = PBKDF2HMAC(algorithm=hashes.SHA1(), length=32, salt=salt.encode(), iterations=iterations).derive(password.encode())
    p = padding.PKCS7(128).padder()
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return base64.b64encode(enc.update(p.update(secret.encode()) + p.finalize()) + enc.finalize()).decode()


enc = [authy_entry(DENO, "Deno: Mason", "Deno:Mason", "Deno"), authy_entry(SPDX, "SPDX - James")]
enc[0].update(encryptedSecret=authy_encrypt(DENO["secret"], "authy pass", "saltsaltsalt1"), salt="saltsaltsalt1")
iv = os.urandom(16)
enc[1].update(encryptedSecret=authy_encrypt(SPDX["secret"], "authy pass", "other salt", 2000, iv),
              salt="other salt", key_derivation_iterations=2000, unique_iv=iv.hex())
put("authy_encrypted.xml", prefs_xml([("string", AUTHY_KEY, json.dumps(enc))]),
    [authy(DENO), authy(SPDX)], "authy pass")
# Authy's own accounts: a hex seed, 7 digits, 10 seconds.
seed = bytes(range(1, 33))
put("authy_own.xml", prefs_xml([("string", "com.authy.storage.tokens.authy.key",
                                 json.dumps([{"name": "Twitch", "digits": 7, "secretSeed": seed.hex()}]))]),
    [dict(secret=base64.b32encode(seed).decode().rstrip("="), type="totp", algorithm="SHA1", digits=7,
          period=10, issuer="Twitch", name="")])

# ----- Battle.net -----
MASK = bytes.fromhex("398e27fc50276a656065b0e525f4c06c04c61075286b8e7aeda59da9813b5dd6c80d2fb3"
                     "8068773fa59ba47c17ca6c6479015c1d5b8b8f6b9a")


def masked(text):
    return bytes(c ^ m for c, m in zip(text.encode(), MASK)).hex()


bnet_secret = bytes(range(100, 120))
B = "com.blizzard.messenger."
put("battlenet.xml", prefs_xml([("string", B + "AUTHENTICATOR_CREDENTIALS_ENCRYPTION_TYPE", "MASK"),
                                ("string", B + "AUTHENTICATOR_DEVICE_SECRET", masked(bnet_secret.hex())),
                                ("string", B + "AUTHENTICATOR_SERIAL", masked("EU-1234-5678-9012")),
                                ("long", B + "AUTHENTICATOR_SERVER_TIME_DIFF", 15)]),
    [dict(secret=base64.b32encode(bnet_secret).decode(), type="totp", algorithm="SHA1", digits=8,
          period=30, issuer="Battle.net", name="EU-1234-5678-9012")])

# ----- TOTP Authenticator -----


def totpauth_entry(a, base):
    key = {16: raw(a).hex().upper(), 32: a["secret"], 64: base64.b64encode(raw(a)).decode()}[base]
    return {"accountHeaderLabel": "", "base": base, "digits": str(a["digits"]), "issuer": a["issuer"],
            "key": key, "name": a["name"], "period": str(a["period"]), "source": 0}


def totpauth(a):
    return dict(a, algorithm="SHA1")


tlist = [totpauth_entry(DENO, 16), totpauth_entry(SPDX, 32), totpauth_entry(AIRBNB, 64)]
texpect = [totpauth(DENO), totpauth(SPDX), totpauth(AIRBNB)]


def totpauth_backup(password):
    plain = json.dumps({json.dumps(tlist): "1608293023"}).encode()
    p = padding.PKCS7(128).padder()
    enc = Cipher(algorithms.AES(hashlib.sha256(password.encode()).digest()), modes.CBC(bytes(16))).encryptor()
    return base64.b64encode(enc.update(p.update(plain) + p.finalize()) + enc.finalize()).decode()


put("totpauth_backup.bin", totpauth_backup("s3cret pass"), texpect, "s3cret pass")
# Without a password of the user's, the app encrypts with its own: any password given opens it.
put("totpauth_default.bin", totpauth_backup("TotpAuthenticator"), texpect, "anything")
FILES["totpauth_default.bin"]["any_password"] = True
put("totpauth_prefs.xml", prefs_xml([("string", "STATIC_TOTP_CODES_LIST", json.dumps(tlist))]), texpect)

# ----- Authenticator Plus -----
uris = "\n".join([
    "otpauth://totp/Deno:Mason?secret=4SJHB4GSD43FZBAI7C2HLRJGPQ&issuer=Deno",
    "otpauth://totp/SPDX:James?secret=5OM4WOOGPLQEF6UGN3CPEOOLWU&issuer=SPDX&algorithm=SHA256&digits=7&period=20",
    "otpauth://hotp/Issuu:James?secret=YOOMIXWS5GN6RTBPUFFWKTW5M4&issuer=Issuu&counter=3",
]) + "\n"


def work_dir(name, files):
    """A folder of DIR holding files (name: text), for the archivers to read."""
    path = os.path.join(D, name)
    os.makedirs(path, exist_ok=True)
    for member, text in files.items():
        with open(os.path.join(path, member), "w") as f:
            f.write(text)
    return path


work = work_dir("authplus-work", {"Accounts.txt": uris,
                                  "Accounts.html": "<html><body>accounts</body></html>\n"})


def zip_with(name, members, password):
    path = os.path.join(D, name)
    subprocess.run(["zip", "-q", "-j", "-P", password, path] + [os.path.join(work, m) for m in members], check=True)
    FILES[name] = {"password": password, "accounts": [DENO, SPDX, ISSUU]}


zip_with("authplus_export.zip", ["Accounts.html", "Accounts.txt"], "plus pass")
# The backup: Google Authenticator's table in an SQLCipher 3 database.
db = os.path.join(work, "authplus.db")
sql = ("PRAGMA key = 'plus pass';"
       "CREATE TABLE android_metadata (locale TEXT);"
       "CREATE TABLE accounts (_id INTEGER PRIMARY KEY, email TEXT NOT NULL, secret TEXT NOT NULL, "
       "counter INTEGER DEFAULT 0, type INTEGER, provider INTEGER DEFAULT 0, issuer TEXT DEFAULT NULL, "
       "original_name TEXT DEFAULT NULL, category INTEGER DEFAULT 0);"
       "INSERT INTO accounts VALUES (1, 'Mason', '4SJHB4GSD43FZBAI7C2HLRJGPQ', 0, 0, 0, 'Deno', 'Deno:Mason', 0);"
       "INSERT INTO accounts VALUES (2, 'Issuu:James', 'YOOMIXWS5GN6RTBPUFFWKTW5M4', 3, 1, 0, 'Issuu', NULL, 0);")
subprocess.run(["sqlcipher", db, sql], check=True, capture_output=True)
dbx = [DENO, ISSUU]
with open(db, "rb") as f:
    put("authplus.db", f.read(), dbx, "plus pass")
zip_with("authplus_db.zip", ["authplus.db"], "plus pass")
FILES["authplus_db.zip"]["accounts"] = dbx

# ----- WinAuth's zip export: its text export as the zip's only file -----
# WinAuth's lines (winauth.c): its own parameters, a Steam authenticator with the
# Steam app's device id and data, read as Steam (five characters).
winauth_lines = "\r\n".join([
    "otpauth://totp/Deno:Mason?secret=4SJHB4GSD43FZBAI7C2HLRJGPQ&digits=6&issuer=Deno&icon=Google",
    "otpauth://totp/SPDX:James?secret=5OM4WOOGPLQEF6UGN3CPEOOLWU&digits=7&issuer=SPDX&algorithm=SHA256"
    "&period=20&skew=-1200",
    "otpauth://hotp/WWE:Mason?secret=5VAML3X35THCEBVRLV24CGBKOY&digits=8&issuer=WWE&algorithm=SHA512"
    "&counter=10300",
    "otpauth://totp/Steam:Sophia?secret=JRZCL47CMXVOQMNPZR2F7J4RGI&digits=5&issuer=Steam"
    "&deviceid=android%3A1234&data=%7B%22shared_secret%22%3A%22x%22%7D",
]) + "\r\n"
winauth_work = work_dir("winauth-work", {"winauth-export.txt": winauth_lines})
WINAUTH = [DENO, SPDX, WWE, STEAM]


def winauth_zip(name, password, tool):
    path = os.path.abspath(os.path.join(D, name))
    subprocess.run(tool(path), check=True, capture_output=True, cwd=winauth_work)
    FILES[name] = {"password": password, "accounts": WINAUTH}


winauth_zip("winauth_export.zip", "win pass", lambda p: ["zip", "-q", "-P", "win pass", p, "winauth-export.txt"])
winauth_zip("winauth_plain.zip", None, lambda p: ["zip", "-q", p, "winauth-export.txt"])
# WinZip AES, when Debian's p7zip is there (it is not a dependency of these tests).
seven = shutil.which("7z") or shutil.which("7za")
if seven:
    winauth_zip("winauth_aes.zip", "win pass",
                lambda p: [seven, "a", "-tzip", "-mem=AES256", "-pwin pass", p, "winauth-export.txt"])


def winzip_aes(member, text, password, version):
    """A zip of one file, deflated and encrypted as WinZip's AES describes it: AES-256 in CTR
    mode (a little-endian counter from 1) under PBKDF2-HMAC-SHA1 (1000 iterations) of a 16-byte
    salt, a 2-byte password check, HMAC-SHA1 of the ciphertext cut to 10 bytes; AE-1 with the
    CRC, AE-2 (as 7-Zip writes it) with 0 instead."""
    import struct
    import zlib
    from cryptography.hazmat.primitives import hmac as chmac
    salt = bytes(range(16))
    keys = PBKDF2HMAC(hashes.SHA1(), 66, salt, 1000).derive(password.encode())
    data = text.encode()
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    plain = comp.compress(data) + comp.flush()
    ecb = Cipher(algorithms.AES(keys[:32]), modes.ECB()).encryptor()
    stream = b"".join(ecb.update((i // 16 + 1).to_bytes(16, "little")) for i in range(0, len(plain), 16))
    ct = bytes(a ^ b for a, b in zip(plain, stream))
    mac = chmac.HMAC(keys[32:64], hashes.SHA1())
    mac.update(ct)
    body = salt + keys[64:] + ct + mac.finalize()[:10]
    name = member.encode()
    extra = struct.pack("<HHH2sBH", 0x9901, 7, version, b"AE", 3, 8)
    # version 5.1, encrypted, method 99 (AES), 2026-01-01 00:00, CRC, sizes.
    crc = zlib.crc32(data) if version == 1 else 0
    common = struct.pack("<HHHHHIIIHH", 51, 1, 99, 0, (46 << 9) | (1 << 5) | 1, crc,
                         len(body), len(data), len(name), len(extra))
    local = b"PK\x03\x04" + common + name + extra + body
    central = (b"PK\x01\x02" + struct.pack("<H", 51) + common + struct.pack("<HHHII", 0, 0, 0, 0, 0) +
               name + extra)
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 1, 1, len(central), len(local), 0)
    return local + central + end


# Without 7z, the same from WinZip AES's description, in both its versions.
for version in (1, 2):
    put(f"winauth_ae{version}_made.zip", winzip_aes("winauth-export.txt", winauth_lines, "win pass", version),
        WINAUTH, "win pass")

with open(os.path.join(D, "expected.json"), "w") as f:
    json.dump({"files": FILES}, f, indent=1, ensure_ascii=False)
