/*
 * Feeds arbitrary salts, A, B, M1/M2 and verifiers into the SRP client and
 * server steps, and arbitrary text into the identity, recovery-code and
 * wrapped-key parsers. Input layout:
 *   byte 0: bits 0-1 the step (0 client, 1 server finish, 2 server start,
 *           3 text parsers); bit 7 the 4096-bit group (else the 1024-bit
 *           test group, much faster, same code)
 *   then two fields, each a 2-byte big-endian length and its bytes (the
 *   salt, then B, A or the verifier), then the rest (M2 or M1, or text).
 * Fixed secrets keep runs reproducible.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authkeep/authkeep.h"
#include "srp_internal.h"

static const unsigned char password[32] = "fuzz login key fuzz login key 32";
static const unsigned char secret_a[32] = "fixed a for fuzzing, 32 bytes!!!";
static const unsigned char secret_b[32] = "fixed b for fuzzing, 32 bytes!!!";
static const unsigned char fixed_salt[16] = "salt of the fuzz";
static const char identity[] = "fuzz@example.org";

/* Takes one length-prefixed field off the front of the input. */
static int take(const uint8_t **data, size_t *size, const uint8_t **field, size_t *len)
{
        if (*size < 2)
                return 0;
        *len = ((size_t)(*data)[0] << 8) | (*data)[1];
        *data += 2;
        *size -= 2;
        if (*len > *size)
                *len = *size;
        *field = *data;
        *data += *len;
        *size -= *len;
        return 1;
}

static void client_step(const struct ak__srp_group *group, const uint8_t *salt, size_t salt_len,
                        const uint8_t *B, size_t B_len, const uint8_t *M2, size_t M2_len)
{
        unsigned char A[AK__SRP_MAX_N_BYTES], M1[AK__SRP_MAX_HASH_BYTES], K[AK__SRP_MAX_HASH_BYTES];
        struct ak_srp_client *client = NULL;

        if (ak__srp_client_new(&client, group, identity, password, sizeof(password), secret_a,
                               sizeof(secret_a), A) != AK_OK)
                abort();
        if (ak_srp_client_process(client, salt, salt_len, B, B_len, M1) == AK_OK)
                (void)!ak_srp_client_verify(client, M2, M2_len, K);
        else if (ak_srp_client_verify(client, M2, M2_len, K) == AK_OK)
                abort();
        ak_srp_client_free(client);
}

static void server_step(const struct ak__srp_group *group, const uint8_t *salt, size_t salt_len,
                        const uint8_t *A, size_t A_len, const uint8_t *M1, size_t M1_len)
{
        static unsigned char verifier[2][AK__SRP_MAX_N_BYTES];
        static int ready[2];
        int g = group == &ak__srp_4096_sha256;
        unsigned char M2[AK__SRP_MAX_HASH_BYTES], K[AK__SRP_MAX_HASH_BYTES];

        /* The verifier of the fixed password, computed once per group. */
        if (!ready[g]) {
                if (ak__srp_verifier(group, verifier[g], identity, fixed_salt, sizeof(fixed_salt),
                                     password, sizeof(password)) != AK_OK)
                        abort();
                ready[g] = 1;
        }
        if (salt_len == 0) {
                salt = fixed_salt;
                salt_len = sizeof(fixed_salt);
        }
        (void)!ak__srp_server_finish(group, M2, K, NULL, NULL, identity, salt, salt_len,
                                     verifier[g], ak__srp_n_bytes(group), secret_b,
                                     sizeof(secret_b), A, A_len, M1, M1_len);
}

static void text_step(const uint8_t *data, size_t size)
{
        char *text = malloc(size + 1), out[AK_SRP_IDENTITY_MAX + 1];
        unsigned char secret[AK_RECOVERY_CODE_SECRET_BYTES];
        struct ak_wrapped_key wrapped;
        char *half;

        if (text == NULL)
                abort();
        memcpy(text, data, size);
        text[size] = '\0';
        (void)!ak_srp_identity(out, sizeof(out), text, size & 1);
        (void)!ak_recovery_code_parse(secret, text);
        half = text + strlen(text) / 2;
        (void)!ak_wrapped_key_from_b64(&wrapped, text, half);
        free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const struct ak__srp_group *group;
        const uint8_t *salt = NULL, *value = NULL;
        size_t salt_len = 0, value_len = 0;
        unsigned char b[AK_SRP_EPHEMERAL_BYTES], B[AK_SRP_N_BYTES];
        uint8_t mode;

        if (ak_init() != AK_OK)
                abort();
        if (size < 1)
                return 0;
        mode = data[0];
        data++;
        size--;
        group = (mode & 0x80) ? &ak__srp_4096_sha256 : &ak__srp_1024_sha1;
        if ((mode & 3) == 3) {
                text_step(data, size);
                return 0;
        }
        if (!take(&data, &size, &salt, &salt_len) || !take(&data, &size, &value, &value_len))
                return 0;
        switch (mode & 3) {
        case 0:
                client_step(group, salt, salt_len, value, value_len, data, size);
                break;
        case 1:
                server_step(group, salt, salt_len, value, value_len, data, size);
                break;
        default:
                if (mode & 0x80)
                        (void)!ak_srp_server_start(b, B, value, value_len);
                else
                        (void)!ak__srp_server_B(group, B, value, value_len, secret_b,
                                                sizeof(secret_b));
                break;
        }
        return 0;
}
