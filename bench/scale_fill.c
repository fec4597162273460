/*
 * The recovery accounts of bench/scale.sh, written straight into the store
 * (not through the API): prints the SQL that fills an empty authkeepd
 * database, made by authkeepd itself so that its schema is the server's,
 * with ACCOUNTS recovery accounts, each holding one backup (version 1, the
 * bytes of ENVELOPE).
 *
 *   scale_fill sqlite|postgres ACCOUNTS WORKING ENVELOPE KEYS >fill.sql
 *
 * WORKING of them (spread evenly over the rest, by index) are the accounts
 * the benchmark signs in to: each has its own login key, random, and its own
 * SRP verifier, and KEYS gets "EMAIL KEY_HEX" for each. The others share one
 * credential's bytes (salt, verifier, wrapped key) with their own id and
 * email: nobody signs in to them, they only make the tables as large. The
 * ids are 32 hex digits of the account's index, the emails aNNN@scale.test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "authkeep/srp.h"

#define KEY_BYTES 32
#define CREATED_AT 1767225600 /* 2026-01-01 */

static int die(const char *msg)
{
        fprintf(stderr, "scale_fill: %s\n", msg);
        return 1;
}

static int postgres;

/* A blob literal: X'..' for SQLite, '\x..'::bytea for PostgreSQL. */
static void blob(const unsigned char *data, size_t len)
{
        fputs(postgres ? "'\\x" : "X'", stdout);
        for (size_t i = 0; i < len; i++)
                printf("%02x", data[i]);
        fputs(postgres ? "'::bytea" : "'", stdout);
}

struct credential {
        unsigned char kdf_salt[16], srp_salt[AK_SRP_SALT_BYTES], verifier[AK_SRP_N_BYTES];
        unsigned char nonce[24], ct[48];
};

static int credential_new(struct credential *c, const char *email, const unsigned char *key)
{
        char identity[AK_SRP_IDENTITY_MAX + 1];
        randombytes_buf(c->kdf_salt, sizeof(c->kdf_salt));
        randombytes_buf(c->nonce, sizeof(c->nonce));
        randombytes_buf(c->ct, sizeof(c->ct));
        ak_srp_salt(c->srp_salt);
        if (ak_srp_identity(identity, sizeof(identity), email, false) != AK_OK ||
            ak_srp_verifier(c->verifier, identity, c->srp_salt, sizeof(c->srp_salt), key,
                            KEY_BYTES) != AK_OK)
                return -1;
        return 0;
}

/* The columns' values after id and email, as the INSERT below names them. */
static void credential_values(const struct credential *c)
{
        printf("%d, ", CREATED_AT);
        blob(c->kdf_salt, sizeof(c->kdf_salt));
        printf(", 1, 8192, ");
        blob(c->srp_salt, sizeof(c->srp_salt));
        fputs(", ", stdout);
        blob(c->verifier, sizeof(c->verifier));
        fputs(", ", stdout);
        blob(c->nonce, sizeof(c->nonce));
        fputs(", ", stdout);
        blob(c->ct, sizeof(c->ct));
        fputs(", 1", stdout);
}

static const char columns[] = "INSERT INTO accounts (id, email, created_at, pw_kdf_salt, "
                              "pw_kdf_ops, pw_kdf_mem, pw_srp_salt, pw_srp_verifier, "
                              "pw_wrap_nonce, pw_wrap_ct, latest_version)";

int main(int argc, char **argv)
{
        if (argc != 6 || (strcmp(argv[1], "sqlite") != 0 && strcmp(argv[1], "postgres") != 0))
                return die("usage: scale_fill sqlite|postgres ACCOUNTS WORKING ENVELOPE KEYS");
        postgres = strcmp(argv[1], "postgres") == 0;
        long n = atol(argv[2]), working = atol(argv[3]);
        if (n < 1 || working < 1 || working > n)
                return die("ACCOUNTS and WORKING: 1 <= WORKING <= ACCOUNTS");
        if (sodium_init() < 0)
                return die("libsodium failed to start");
        FILE *f = fopen(argv[4], "rb");
        static unsigned char envelope[1 << 20];
        size_t envelope_len = f != NULL ? fread(envelope, 1, sizeof(envelope), f) : 0;
        if (f != NULL)
                fclose(f);
        if (envelope_len == 0)
                return die("cannot read the envelope");
        FILE *keys = fopen(argv[5], "w");
        if (keys == NULL)
                return die("cannot write the keys");

        long step = n / working;
        puts(postgres ? "BEGIN;"
                      : "PRAGMA journal_mode = DELETE; PRAGMA synchronous = OFF; BEGIN;");
        /* The accounts signed in to: index j * step. */
        for (long j = 0; j < working; j++) {
                char email[64], hex[2 * KEY_BYTES + 1];
                unsigned char key[KEY_BYTES];
                struct credential c;
                snprintf(email, sizeof(email), "a%ld@scale.test", j * step);
                randombytes_buf(key, sizeof(key));
                if (credential_new(&c, email, key) != 0)
                        return die("SRP verifier failed");
                fprintf(keys, "%s %s\n", email, sodium_bin2hex(hex, sizeof(hex), key, sizeof(key)));
                printf("%s VALUES ('%032lx', '%s', ", columns, j * step, email);
                credential_values(&c);
                puts(");");
        }
        /* The rest, in one statement, sharing one credential's bytes. */
        struct credential shared;
        unsigned char key[KEY_BYTES];
        randombytes_buf(key, sizeof(key));
        if (credential_new(&shared, "shared@scale.test", key) != 0)
                return die("SRP verifier failed");
        if (postgres)
                printf("%s SELECT lpad(to_hex(i), 32, '0'), 'a' || i || '@scale.test', ", columns);
        else
                printf("WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 "
                       "< %ld) %s SELECT printf('%%032x', i), 'a' || i || '@scale.test', ",
                       n, columns);
        credential_values(&shared);
        if (postgres)
                printf(" FROM generate_series(0, %ld) AS i", n - 1);
        else
                fputs(" FROM n", stdout);
        printf(" WHERE i %% %ld <> 0 OR i / %ld >= %ld;\n", step, step, working);
        /* One backup each. */
        printf("INSERT INTO backups (account_id, version, device_id, device_name, created_at, "
               "size, envelope) SELECT id, 1, 'scale-device', 'scale', created_at, %zu, ",
               envelope_len);
        blob(envelope, envelope_len);
        puts(" FROM accounts;");
        puts(postgres ? "COMMIT; ANALYZE;" : "COMMIT; PRAGMA journal_mode = WAL; ANALYZE;");
        fclose(keys);
        return 0;
}
