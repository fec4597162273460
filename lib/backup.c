/*
 * Keys of the recovery account (Argon2id root key, crypto_kdf login and wrap
 * keys, the wrapped backup key, the recovery code) and the backup envelope
 * (XChaCha20-Poly1305 bound to the account id and the version number).
 * Formats: docs/backup-format.md.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "authkeep/backup.h"
#include "internal.h"

#define KDF_CONTEXT "akrecov1" /* crypto_kdf context: exactly 8 bytes */
#define KDF_ID_LOGIN 1
#define KDF_ID_WRAP 2

#define DEFAULT_OPSLIMIT 3
#define DEFAULT_MEMLIMIT ((size_t)256 << 20)

static const unsigned char envelope_magic[4] = {'A', 'K', 'B', 'K'};

void ak_recovery_kdf_default(struct ak_recovery_kdf *out, enum ak_kdf_cost cost)
{
        randombytes_buf(out->salt, sizeof(out->salt));
        if (cost == AK_KDF_COST_MIN) {
                /* Tests only: libsodium's minimum, so a test suite runs in seconds. */
                out->opslimit = crypto_pwhash_argon2id_OPSLIMIT_MIN;
                out->memlimit = crypto_pwhash_argon2id_MEMLIMIT_MIN;
        } else {
                out->opslimit = DEFAULT_OPSLIMIT;
                out->memlimit = DEFAULT_MEMLIMIT;
        }
}

enum ak_err ak_recovery_kdf_check(const struct ak_recovery_kdf *kdf)
{
        if (kdf == NULL)
                return ak__fail(AK_ERR_INVALID, "kdf: missing");
        if (kdf->opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
            kdf->opslimit > AK_RECOVERY_OPSLIMIT_MAX)
                return ak__fail(AK_ERR_PROTOCOL, "kdf.opslimit: %llu is outside %llu..%d",
                                (unsigned long long)kdf->opslimit,
                                (unsigned long long)crypto_pwhash_argon2id_OPSLIMIT_MIN,
                                AK_RECOVERY_OPSLIMIT_MAX);
        if (kdf->memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
            kdf->memlimit > AK_RECOVERY_MEMLIMIT_MAX)
                return ak__fail(AK_ERR_PROTOCOL, "kdf.memlimit: %zu is outside %zu..%zu",
                                kdf->memlimit, (size_t)crypto_pwhash_argon2id_MEMLIMIT_MIN,
                                AK_RECOVERY_MEMLIMIT_MAX);
        return AK_OK;
}

enum ak_err ak_recovery_derive(struct ak_recovery_keys *out, const unsigned char *secret,
                               size_t secret_len, const struct ak_recovery_kdf *kdf)
{
        unsigned char root[AK_RECOVERY_KEY_BYTES];
        struct ak_recovery_keys keys;
        enum ak_err err;

        if (out == NULL || secret == NULL || secret_len == 0)
                return ak__fail(AK_ERR_INVALID, "password: empty");
        if (secret_len > AK_RECOVERY_PASSWORD_MAX)
                return ak__fail(AK_ERR_LIMIT, "password: longer than %d bytes",
                                AK_RECOVERY_PASSWORD_MAX);
        if ((err = ak_recovery_kdf_check(kdf)) != AK_OK)
                return err;
        if (ak__argon2id(root, sizeof(root), (const char *)secret, secret_len, kdf->salt,
                         kdf->opslimit, kdf->memlimit) != 0)
                return ak__fail(AK_ERR_NOMEM, "kdf: Argon2id could not get %zu bytes of memory",
                                kdf->memlimit);
        if (crypto_kdf_derive_from_key(keys.login_key, sizeof(keys.login_key), KDF_ID_LOGIN,
                                       KDF_CONTEXT, root) != 0 ||
            crypto_kdf_derive_from_key(keys.wrap_key, sizeof(keys.wrap_key), KDF_ID_WRAP,
                                       KDF_CONTEXT, root) != 0)
                err = ak__fail(AK_ERR_CRYPTO, "kdf: key derivation failed");
        else
                *out = keys;
        sodium_memzero(root, sizeof(root));
        sodium_memzero(&keys, sizeof(keys));
        return err;
}

void ak_recovery_keys_wipe(struct ak_recovery_keys *keys)
{
        if (keys != NULL)
                sodium_memzero(keys, sizeof(*keys));
}

void ak_backup_key_new(unsigned char key[AK_BACKUP_KEY_BYTES])
{
        crypto_aead_xchacha20poly1305_ietf_keygen(key);
}

enum ak_err ak_backup_key_wrap(struct ak_wrapped_key *out,
                               const unsigned char backup_key[AK_BACKUP_KEY_BYTES],
                               const unsigned char wrap_key[AK_RECOVERY_KEY_BYTES])
{
        struct ak_wrapped_key wrapped;
        unsigned long long len = 0;

        if (out == NULL || backup_key == NULL || wrap_key == NULL)
                return ak__fail(AK_ERR_INVALID, "wrapped_key: missing argument");
        randombytes_buf(wrapped.nonce, sizeof(wrapped.nonce));
        crypto_aead_xchacha20poly1305_ietf_encrypt(
            wrapped.ciphertext, &len, backup_key, AK_BACKUP_KEY_BYTES,
            (const unsigned char *)AK_WRAP_AD, strlen(AK_WRAP_AD), NULL, wrapped.nonce, wrap_key);
        if (len != sizeof(wrapped.ciphertext))
                return ak__fail(AK_ERR_CRYPTO, "wrapped_key: encryption failed");
        *out = wrapped;
        return AK_OK;
}

enum ak_err ak_backup_key_unwrap(unsigned char backup_key[AK_BACKUP_KEY_BYTES],
                                 const struct ak_wrapped_key *wrapped,
                                 const unsigned char wrap_key[AK_RECOVERY_KEY_BYTES])
{
        unsigned char key[AK_BACKUP_KEY_BYTES];
        unsigned long long len = 0;

        if (backup_key == NULL || wrapped == NULL || wrap_key == NULL)
                return ak__fail(AK_ERR_INVALID, "wrapped_key: missing argument");
        if (crypto_aead_xchacha20poly1305_ietf_decrypt(
                key, &len, NULL, wrapped->ciphertext, sizeof(wrapped->ciphertext),
                (const unsigned char *)AK_WRAP_AD, strlen(AK_WRAP_AD), wrapped->nonce,
                wrap_key) != 0 ||
            len != sizeof(key)) {
                sodium_memzero(key, sizeof(key));
                return ak__fail(AK_ERR_BACKUP_TAMPERED,
                                "wrapped_key: authentication failed (another key, or changed)");
        }
        memcpy(backup_key, key, sizeof(key));
        sodium_memzero(key, sizeof(key));
        return AK_OK;
}

void ak_wrapped_key_to_b64(char nonce_b64[AK_WRAP_NONCE_B64],
                           char ciphertext_b64[AK_WRAP_CIPHERTEXT_B64],
                           const struct ak_wrapped_key *wrapped)
{
        sodium_bin2base64(nonce_b64, AK_WRAP_NONCE_B64, wrapped->nonce, sizeof(wrapped->nonce),
                          sodium_base64_VARIANT_ORIGINAL);
        sodium_bin2base64(ciphertext_b64, AK_WRAP_CIPHERTEXT_B64, wrapped->ciphertext,
                          sizeof(wrapped->ciphertext), sodium_base64_VARIANT_ORIGINAL);
}

/* Decodes standard base64 that must give exactly `len` bytes. */
static enum ak_err b64_exact(unsigned char *out, size_t len, const char *b64, const char *field)
{
        size_t b64_len;

        if (b64 == NULL)
                return ak__fail(AK_ERR_PROTOCOL, "%s: missing", field);
        b64_len = strnlen(b64, 4 * len);
        if (b64[b64_len] != '\0' || !ak__b64_exact(out, len, b64, b64_len))
                return ak__fail(AK_ERR_PROTOCOL, "%s: not base64 of %zu bytes", field, len);
        return AK_OK;
}

enum ak_err ak_wrapped_key_from_b64(struct ak_wrapped_key *out, const char *nonce_b64,
                                    const char *ciphertext_b64)
{
        struct ak_wrapped_key wrapped;
        enum ak_err err;

        if (out == NULL)
                return ak__fail(AK_ERR_INVALID, "wrapped_key: missing output");
        if ((err = b64_exact(wrapped.nonce, sizeof(wrapped.nonce), nonce_b64,
                             "wrapped_key.nonce")) != AK_OK ||
            (err = b64_exact(wrapped.ciphertext, sizeof(wrapped.ciphertext), ciphertext_b64,
                             "wrapped_key.ciphertext")) != AK_OK)
                return err;
        *out = wrapped;
        return AK_OK;
}

/* ---- the recovery code ---- */

/* Crockford's base32: no I, L, O or U, so that nothing reads as something else. */
static const char code_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

#define CODE_DATA_CHARS 32 /* 160 bits */
#define CODE_CHECK_CHARS 4 /* 20 bits of checksum */
#define CODE_CHARS (CODE_DATA_CHARS + CODE_CHECK_CHARS)
#define CODE_TYPED_MAX 256 /* characters accepted from the user */

/* The value 0..31 of a typed character, or -1. */
static int code_value(char c)
{
        const char *p;

        if (c >= 'a' && c <= 'z')
                c = (char)(c - 'a' + 'A');
        if (c == 'O')
                c = '0';
        else if (c == 'I' || c == 'L')
                c = '1';
        p = c == '\0' ? NULL : strchr(code_alphabet, c);
        return p == NULL ? -1 : (int)(p - code_alphabet);
}

/* The 20-bit checksum of a secret: BLAKE2b with its own label, as four 5-bit values. */
static void code_checksum(unsigned char check[CODE_CHECK_CHARS],
                          const unsigned char secret[AK_RECOVERY_CODE_SECRET_BYTES])
{
        static const char label[] = "authkeep-recovery-code-v1";
        unsigned char digest[16];
        uint32_t bits;
        int i;

        crypto_generichash(digest, sizeof(digest), secret, AK_RECOVERY_CODE_SECRET_BYTES,
                           (const unsigned char *)label, sizeof(label) - 1);
        bits = ((uint32_t)digest[0] << 12) | ((uint32_t)digest[1] << 4) | (digest[2] >> 4);
        for (i = CODE_CHECK_CHARS - 1; i >= 0; i--) {
                check[i] = bits & 31;
                bits >>= 5;
        }
        sodium_memzero(digest, sizeof(digest));
}

void ak_recovery_code_new(unsigned char secret[AK_RECOVERY_CODE_SECRET_BYTES],
                          char code[AK_RECOVERY_CODE_SIZE])
{
        unsigned char values[CODE_CHARS];
        size_t i, bit, out = 0;

        randombytes_buf(secret, AK_RECOVERY_CODE_SECRET_BYTES);
        /* 160 bits, most significant first, five at a time. */
        for (i = 0; i < CODE_DATA_CHARS; i++) {
                unsigned v = 0, j;
                for (j = 0; j < 5; j++) {
                        bit = i * 5 + j;
                        v = (v << 1) | ((secret[bit / 8] >> (7 - bit % 8)) & 1);
                }
                values[i] = (unsigned char)v;
        }
        code_checksum(values + CODE_DATA_CHARS, secret);
        for (i = 0; i < CODE_CHARS; i++) {
                if (i > 0 && i % 4 == 0)
                        code[out++] = '-';
                code[out++] = code_alphabet[values[i]];
        }
        code[out] = '\0';
        sodium_memzero(values, sizeof(values));
}

enum ak_err ak_recovery_code_parse(unsigned char secret[AK_RECOVERY_CODE_SECRET_BYTES],
                                   const char *typed)
{
        unsigned char values[CODE_CHARS], check[CODE_CHECK_CHARS];
        unsigned char bytes[AK_RECOVERY_CODE_SECRET_BYTES];
        size_t i, n = 0, bit;
        enum ak_err err = AK_OK;

        if (secret == NULL || typed == NULL)
                return ak__fail(AK_ERR_INVALID, "recovery code: missing");
        if (strnlen(typed, CODE_TYPED_MAX + 1) > CODE_TYPED_MAX)
                return ak__fail(AK_ERR_INVALID, "recovery code: too long");
        for (i = 0; typed[i] != '\0'; i++) {
                int v;
                if (typed[i] == ' ' || typed[i] == '-' || typed[i] == '\t' || typed[i] == '\n' ||
                    typed[i] == '\r')
                        continue;
                v = code_value(typed[i]);
                if (v < 0) {
                        err = ak__fail(AK_ERR_INVALID,
                                       "recovery code: character %zu is not one of 0-9 and A-Z "
                                       "without U",
                                       i + 1);
                        goto done;
                }
                if (n == CODE_CHARS) {
                        err = ak__fail(AK_ERR_INVALID, "recovery code: more than %d characters",
                                       CODE_CHARS);
                        goto done;
                }
                values[n++] = (unsigned char)v;
        }
        if (n != CODE_CHARS) {
                err = ak__fail(AK_ERR_INVALID, "recovery code: %zu characters instead of %d", n,
                               CODE_CHARS);
                goto done;
        }
        memset(bytes, 0, sizeof(bytes));
        for (bit = 0; bit < CODE_DATA_CHARS * 5; bit++)
                if ((values[bit / 5] >> (4 - bit % 5)) & 1)
                        bytes[bit / 8] |= (unsigned char)(0x80 >> (bit % 8));
        code_checksum(check, bytes);
        if (sodium_memcmp(check, values + CODE_DATA_CHARS, CODE_CHECK_CHARS) != 0) {
                err = ak__fail(AK_ERR_INVALID, "recovery code: the checksum does not match "
                                               "(a character is mistyped)");
                goto done;
        }
        memcpy(secret, bytes, sizeof(bytes));
done:
        sodium_memzero(values, sizeof(values));
        sodium_memzero(bytes, sizeof(bytes));
        return err;
}

enum ak_err ak_recovery_credentials_make(struct ak_recovery_credentials *out, const char *identity,
                                         const unsigned char *secret, size_t secret_len,
                                         const unsigned char backup_key[AK_BACKUP_KEY_BYTES],
                                         const struct ak_recovery_kdf *kdf)
{
        struct ak_recovery_credentials creds;
        struct ak_recovery_keys keys;
        enum ak_err err;

        if (out == NULL || backup_key == NULL)
                return ak__fail(AK_ERR_INVALID, "credentials: missing argument");
        ak_recovery_kdf_default(&creds.kdf, AK_KDF_COST_DEFAULT);
        if (kdf != NULL) {
                creds.kdf.opslimit = kdf->opslimit;
                creds.kdf.memlimit = kdf->memlimit;
        }
        if ((err = ak_recovery_derive(&keys, secret, secret_len, &creds.kdf)) != AK_OK)
                return err;
        ak_srp_salt(creds.srp_salt);
        err = ak_srp_verifier(creds.srp_verifier, identity, creds.srp_salt, sizeof(creds.srp_salt),
                              keys.login_key, sizeof(keys.login_key));
        if (err == AK_OK)
                err = ak_backup_key_wrap(&creds.wrapped_key, backup_key, keys.wrap_key);
        if (err == AK_OK)
                *out = creds;
        ak_recovery_keys_wipe(&keys);
        return err;
}

/* ---- the backup envelope ---- */

#define AD_MAX (AK_BACKUP_HEADER_BYTES + 4 + AK_BACKUP_ACCOUNT_ID_MAX + 8)

/*
 * The associated data: the header (magic, version, algorithm, reserved,
 * nonce), the account id with its length, and the version number, both
 * big-endian, and its length in *ad_len. AK_ERR_INVALID, with the detail
 * both seal and open report, when the account id or version is invalid.
 */
static enum ak_err build_ad(unsigned char ad[AD_MAX], size_t *ad_len, const unsigned char *header,
                            const char *account_id, uint64_t version)
{
        size_t id_len = account_id == NULL ? 0 : strnlen(account_id, AK_BACKUP_ACCOUNT_ID_MAX + 1);
        size_t off = 0;
        int i;

        if (id_len == 0 || id_len > AK_BACKUP_ACCOUNT_ID_MAX || version == 0)
                return ak__fail(AK_ERR_INVALID,
                                "backup: the account id must have 1..%d bytes and the version be "
                                "at least 1",
                                AK_BACKUP_ACCOUNT_ID_MAX);
        memcpy(ad, header, AK_BACKUP_HEADER_BYTES);
        off = AK_BACKUP_HEADER_BYTES;
        for (i = 3; i >= 0; i--)
                ad[off++] = (unsigned char)(id_len >> (8 * i));
        memcpy(ad + off, account_id, id_len);
        off += id_len;
        for (i = 7; i >= 0; i--)
                ad[off++] = (unsigned char)(version >> (8 * i));
        *ad_len = off;
        return AK_OK;
}

enum ak_err ak_backup_seal(unsigned char **out, size_t *out_len, const void *plaintext,
                           size_t plaintext_len, const unsigned char key[AK_BACKUP_KEY_BYTES],
                           const char *account_id, uint64_t version)
{
        unsigned char header[AK_BACKUP_HEADER_BYTES], ad[AD_MAX], *envelope;
        unsigned long long ct_len = 0;
        size_t ad_len;
        enum ak_err err;

        if (out == NULL || out_len == NULL || key == NULL ||
            (plaintext == NULL && plaintext_len > 0))
                return ak__fail(AK_ERR_INVALID, "backup: missing argument");
        if (plaintext_len > AK_BACKUP_PLAINTEXT_MAX)
                return ak__fail(AK_ERR_LIMIT, "backup: %zu bytes is over the %zu-byte cap",
                                plaintext_len, AK_BACKUP_PLAINTEXT_MAX);
        memcpy(header, envelope_magic, 4);
        header[4] = AK_BACKUP_FORMAT_VERSION;
        header[5] = AK_BACKUP_ALG_XCHACHA20POLY1305;
        header[6] = header[7] = 0;
        randombytes_buf(header + 8, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
        if ((err = build_ad(ad, &ad_len, header, account_id, version)) != AK_OK)
                return err;
        envelope = malloc(AK_BACKUP_OVERHEAD + plaintext_len);
        if (envelope == NULL)
                return ak__fail(AK_ERR_NOMEM, "backup: no memory for %zu bytes", plaintext_len);
        memcpy(envelope, header, sizeof(header));
        crypto_aead_xchacha20poly1305_ietf_encrypt(envelope + AK_BACKUP_HEADER_BYTES, &ct_len,
                                                   plaintext, plaintext_len, ad, ad_len, NULL,
                                                   header + 8, key);
        *out = envelope;
        *out_len = AK_BACKUP_HEADER_BYTES + (size_t)ct_len;
        return AK_OK;
}

enum ak_err ak_backup_open(unsigned char **out, size_t *out_len, const unsigned char *envelope,
                           size_t envelope_len, const unsigned char key[AK_BACKUP_KEY_BYTES],
                           const char *account_id, uint64_t version)
{
        unsigned char ad[AD_MAX], *plain;
        unsigned long long plain_len = 0;
        size_t ad_len;
        enum ak_err err;

        if (out == NULL || out_len == NULL || key == NULL || (envelope == NULL && envelope_len))
                return ak__fail(AK_ERR_INVALID, "backup: missing argument");
        if (envelope_len > AK_BACKUP_ENVELOPE_MAX)
                return ak__fail(AK_ERR_LIMIT, "backup: %zu bytes is over the %zu-byte cap",
                                envelope_len, AK_BACKUP_ENVELOPE_MAX);
        if (envelope_len < 8 || memcmp(envelope, envelope_magic, 4) != 0)
                return ak__fail(AK_ERR_FORMAT, "backup: not an Authkeep backup envelope");
        if (envelope[4] == 0)
                return ak__fail(AK_ERR_FORMAT, "backup: format version 0");
        if (envelope[4] > AK_BACKUP_FORMAT_VERSION)
                return ak__fail(AK_ERR_UNSUPPORTED,
                                "backup: format version %u is newer than this Authkeep (%d)",
                                envelope[4], AK_BACKUP_FORMAT_VERSION);
        if (envelope[5] != AK_BACKUP_ALG_XCHACHA20POLY1305)
                return ak__fail(AK_ERR_UNSUPPORTED, "backup: unknown algorithm %u", envelope[5]);
        if (envelope[6] != 0 || envelope[7] != 0)
                return ak__fail(AK_ERR_FORMAT, "backup: reserved header bytes are not zero");
        if (envelope_len < AK_BACKUP_OVERHEAD)
                return ak__fail(AK_ERR_FORMAT, "backup: truncated (%zu bytes, at least %d needed)",
                                envelope_len, AK_BACKUP_OVERHEAD);
        if ((err = build_ad(ad, &ad_len, envelope, account_id, version)) != AK_OK)
                return err;
        plain = malloc(envelope_len - AK_BACKUP_OVERHEAD + 1);
        if (plain == NULL)
                return ak__fail(AK_ERR_NOMEM, "backup: no memory for %zu bytes", envelope_len);
        if (crypto_aead_xchacha20poly1305_ietf_decrypt(
                plain, &plain_len, NULL, envelope + AK_BACKUP_HEADER_BYTES,
                envelope_len - AK_BACKUP_HEADER_BYTES, ad, ad_len, envelope + 8, key) != 0) {
                free(plain);
                return ak__fail(AK_ERR_BACKUP_TAMPERED,
                                "backup: authentication failed (changed, truncated, another key, "
                                "or another account or version)");
        }
        plain[plain_len] = '\0';
        *out = plain;
        *out_len = (size_t)plain_len;
        return AK_OK;
}

void ak_backup_plaintext_free(unsigned char *plaintext, size_t len)
{
        ak__free_secret(plaintext, len);
}
