# An SRP-6a peer built on Debian's python3-srp, driven by test_srp over
# pipes, one hex value per line, so that libauthkeep's client and server are
# checked against an implementation written elsewhere. Run with
# /usr/bin/python3 (python3-srp is installed for Debian's interpreter only).
#
#   srp_peer.py server   reads: identity salt verifier A   writes: B
#                        reads: M1                         writes: M2 K | FAIL
#   srp_peer.py client   reads: identity password password_for_the_user
#                        writes: salt verifier A
#                        reads: B                          writes: M1 | FAIL
#                        reads: M2                         writes: OK K | FAIL
import binascii
import sys

import srp

srp.rfc5054_enable()
PARAMS = dict(hash_alg=srp.SHA256, ng_type=srp.NG_4096)


def read_values():
    line = sys.stdin.readline()
    if not line:
        sys.exit(1)
    return [binascii.unhexlify(v) for v in line.split()]


def write(*values):
    print(" ".join(v if isinstance(v, str) else binascii.hexlify(v).decode() for v in values))
    sys.stdout.flush()


def server():
    identity, salt, verifier, A = read_values()
    svr = srp.Verifier(identity, salt, verifier, A, **PARAMS)
    s, B = svr.get_challenge()
    if B is None:
        write("FAIL")
        return
    write(B)
    (M1,) = read_values()
    M2 = svr.verify_session(M1)
    if M2 is None or not svr.authenticated():
        write("FAIL")
        return
    write(M2, svr.get_session_key())


def client():
    identity, password, user_password = read_values()
    salt, verifier = srp.create_salted_verification_key(identity, password, salt_len=16,
                                                        **PARAMS)
    usr = srp.User(identity, user_password, **PARAMS)
    _, A = usr.start_authentication()
    write(salt, verifier, A)
    (B,) = read_values()
    M1 = usr.process_challenge(salt, B)
    if M1 is None:
        write("FAIL")
        return
    write(M1)
    (M2,) = read_values()
    usr.verify_session(M2)
    if not usr.authenticated():
        write("FAIL")
        return
    write("OK", usr.get_session_key())


if __name__ == "__main__":
    {"server": server, "client": client}[sys.argv[1]]()
