#!/usr/bin/python3
"""Signs in to authkeepd with Debian's python3-srp, an SRP client written
elsewhere: creates a recovery account whose verifier python3-srp made, signs
in through /v1/auth/start and /v1/auth/finish, and checks the server's M2.
A wrong password must fail with 401 bad_password.

usage: python_srp.py BASE_URL EMAIL
"""
import base64
import hashlib
import json
import os
import sys
import urllib.error
import urllib.request

import srp

srp.rfc5054_enable()
OPTS = dict(hash_alg=srp.SHA256, ng_type=srp.NG_4096)


def call(base, path, body, token=None):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode() if body is not None else None,
                                 method="POST" if body is not None else "GET")
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def b64(b):
    return base64.b64encode(b).decode()


def login_key():
    """32 random bytes whose H(I ":" P) has no leading zero byte: python3-srp
    turns that inner hash into a number, which would drop such a byte."""
    while True:
        key = os.urandom(32)
        if hashlib.sha256(EMAIL.encode() + b":" + key).digest()[0] != 0:
            return key


def sign_in(base, email, key):
    usr = srp.User(email, key, **OPTS)
    _, A = usr.start_authentication()
    st, start = call(base, "/v1/auth/start", {"email": email})
    assert st == 200, (st, start)
    M = usr.process_challenge(base64.b64decode(start["srp_salt"]), base64.b64decode(start["B"]))
    assert M is not None, "python3-srp refused the server's challenge"
    st, fin = call(base, "/v1/auth/finish", {"login_id": start["login_id"], "A": b64(A), "M1": b64(M)})
    return usr, st, fin


BASE, EMAIL = sys.argv[1], sys.argv[2]
KEY = login_key()
salt, verifier = srp.create_salted_verification_key(EMAIL, KEY, salt_len=16, **OPTS)
account = {
    "email": EMAIL,
    "kdf": {"alg": "argon2id13", "salt": b64(os.urandom(16)), "opslimit": 2, "memlimit": 67108864},
    "srp_salt": b64(salt),
    "srp_verifier": b64(verifier),
    "wrapped_key": {"nonce": b64(os.urandom(24)), "ciphertext": b64(os.urandom(48))},
}
st, created = call(BASE, "/v1/accounts", account)
assert st == 201, (st, created)

usr, st, fin = sign_in(BASE, EMAIL, KEY)
assert st == 200, (st, fin)
usr.verify_session(base64.b64decode(fin["M2"]))
assert usr.authenticated(), "python3-srp rejected the server's M2"
assert fin["account_id"] == created["account_id"]
assert fin["wrapped_key"] == account["wrapped_key"]

st, info = call(BASE, "/v1/account", None, fin["session_token"])
assert st == 200 and info["email"] == EMAIL, (st, info)

wrong = KEY[:-1] + bytes([KEY[-1] ^ 1])
_, st, fin = sign_in(BASE, EMAIL, wrong)
assert st == 401 and fin["error"] == "bad_password", (st, fin)
print("python3-srp signed in; M2 verified")
