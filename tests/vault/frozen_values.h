/*
 * What the frozen vault (tests/vault/frozen/vault.json) holds: the values
 * frozen_make wrote and test_frozen expects. Never change them: the file
 * is never regenerated.
 */
#ifndef AUTHKEEP_TESTS_VAULT_FROZEN_VALUES_H
#define AUTHKEEP_TESTS_VAULT_FROZEN_VALUES_H

#include <stdint.h>

#include "authkeep/authkeep.h"

#define FROZEN_PASSPHRASE "frozen vault, opened by every later version \xe2\x9c\x93"
#define FROZEN_VAULT_ID "70af9ca67365883dda42cca6817ec8da"
#define FROZEN_DEVICE_ID "0433f41480cead3730b191d996b12f0a"
#define FROZEN_DEVICE_PK "f159ca8260a03330a34d5c9ce51a04c89e24f219bee383d3e63e44900a48bd0d"
#define CODE_TIME 1111111111

#define KEY20 "12345678901234567890"
#define KEY32 "12345678901234567890123456789012"
#define KEY64 "1234567890123456789012345678901234567890123456789012345678901234"

struct expected_account {
        const char *id;
        enum ak_account_kind kind;
        enum ak_otp_type type;
        enum ak_hash hash;
        unsigned digits;
        uint32_t period;
        uint64_t counter;
        const char *issuer;
        const char *name;
        const char *label_issuer;
        const char *secret;
        int64_t created;
        const char *code; /* at CODE_TIME (HOTP: at its counter) */
};

static const struct expected_account accounts[] = {
    {"66dd6edb6376c834", AK_KIND_THIRD_PARTY, AK_OTP_TOTP, AK_HASH_SHA1, 6, 30, 0, "Example",
     "alice@example.com", NULL, KEY20, 1700000001, "050471"},
    {"5613594defd441d7", AK_KIND_THIRD_PARTY, AK_OTP_TOTP, AK_HASH_SHA256, 7, 60, 0, "Sha256 Bank",
     "bob", NULL, KEY32, 1700000002, "0857319"},
    {"1633fbd3ad4102a4", AK_KIND_THIRD_PARTY, AK_OTP_TOTP, AK_HASH_SHA512, 8, 30, 0, "Sha512 Mail",
     "carol@mail.test", NULL, KEY64, 1700000003, "99943326"},
    {"e3e72a8b14001a9a", AK_KIND_THIRD_PARTY, AK_OTP_TOTP, AK_HASH_SHA1, 8, 60, 0, "", "no issuer",
     NULL, KEY20, 0, "19360094"},
    {"dca19818a1695b9b", AK_KIND_THIRD_PARTY, AK_OTP_HOTP, AK_HASH_SHA1, 6, 30, 7, "Counter Co",
     "dave", NULL, KEY20, 1700000005, "162583"},
    {"8ca2a7f38f979e94", AK_KIND_THIRD_PARTY, AK_OTP_STEAM, AK_HASH_SHA1, 5, 30, 0, "Steam",
     "gamer", NULL, "steam-secret-key-0123", 1700000006, "5G9KG"},
    {"3bf5721505490bb7", AK_KIND_THIRD_PARTY, AK_OTP_TOTP, AK_HASH_SHA1, 6, 30, 0,
     "B\xc3\xbc"
     "cherei",
     "zo\xc3\xab@ex\xc3\xa4mple.org \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x94\x91",
     "B\xc3\xbc"
     "cherei K\xc3\xb6ln",
     KEY32, 1700000007, "201283"},
    {"b33e8d9fe0814994", AK_KIND_PERSONAL, AK_OTP_TOTP, AK_HASH_SHA1, 6, 30, 0, "Authkeep",
     "personal@example.com", NULL, KEY20, 1700000008, "050471"},
    {"1ba21c6bd9f28905", AK_KIND_WORK, AK_OTP_TOTP, AK_HASH_SHA256, 6, 30, 0, "Work Inc",
     "worker@work.example", NULL, KEY32, 1700000009, "062674"},
};

static const char *const settings[][2] = {
    {"display.group", "issuer"},
    {"codes.hide", "true"},
};

static const char *const local[][2] = {
    {"backup.server", "https://backup.example.org"},
    {"backup.insecure", "0"},
    {"backup.email", "alice@example.com"},
    {"backup.account_id", "0123456789abcdef0123456789abcdef"},
    {"backup.token", "session-token-abcdefghijklmnopqrstuvwxyz"},
    {"backup.expires", "1900000000"},
    {"backup.key", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="},
    {"backup.device_name", "Alice's laptop"},
    {"backup.version", "42"},
    {"backup.at", "1800000000"},
    {"backup.pending", "1"},
    {"backup.pending_since", "1800000100"},
    {"backup.problem", "newer_backup"},
    {"backup.reason", "another device uploaded version 43"},
    {"backup.other_version", "43"},
    {"backup.other_device", "fedcba9876543210fedcba9876543210"},
    {"backup.other_at", "1800000200"},
};

#endif
