/*
 * SRP-6a (RFC 5054): placeholder until the implementation lands; every
 * function fails with AK_ERR_UNSUPPORTED.
 */
#include <string.h>

#include "authkeep/srp.h"
#include "internal.h"

enum ak_err ak_srp_identity(char *out, size_t out_cap, const char *email, bool recovery)
{
        (void)out, (void)out_cap, (void)email, (void)recovery;
        return ak__fail(AK_ERR_UNSUPPORTED, "srp: not implemented yet");
}

void ak_srp_salt(unsigned char salt[AK_SRP_SALT_BYTES])
{
        memset(salt, 1, AK_SRP_SALT_BYTES);
}

enum ak_err ak_srp_verifier(unsigned char verifier[AK_SRP_N_BYTES], const char *identity,
                            const unsigned char *salt, size_t salt_len,
                            const unsigned char *password, size_t password_len)
{
        (void)verifier, (void)identity, (void)salt, (void)salt_len, (void)password,
            (void)password_len;
        return ak__fail(AK_ERR_UNSUPPORTED, "srp: not implemented yet");
}

enum ak_err ak_srp_client_new(struct ak_srp_client **out, const char *identity,
                              const unsigned char *password, size_t password_len,
                              unsigned char A[AK_SRP_N_BYTES])
{
        (void)out, (void)identity, (void)password, (void)password_len, (void)A;
        return ak__fail(AK_ERR_UNSUPPORTED, "srp: not implemented yet");
}

enum ak_err ak_srp_client_process(struct ak_srp_client *client, const unsigned char *salt,
                                  size_t salt_len, const unsigned char *B, size_t B_len,
                                  unsigned char M1[AK_SRP_HASH_BYTES])
{
        (void)client, (void)salt, (void)salt_len, (void)B, (void)B_len, (void)M1;
        return ak__fail(AK_ERR_UNSUPPORTED, "srp: not implemented yet");
}

enum ak_err ak_srp_client_verify(struct ak_srp_client *client, const unsigned char *M2,
                                 size_t M2_len, unsigned char *session_key)
{
        (void)client, (void)M2, (void)M2_len, (void)session_key;
        return ak__fail(AK_ERR_UNSUPPORTED, "srp: not implemented yet");
}

void ak_srp_client_free(struct ak_srp_client *client)
{
        (void)client;
}

enum ak_err ak_srp_server_start(unsigned char b[AK_SRP_EPHEMERAL_BYTES],
                                unsigned char B[AK_SRP_N_BYTES], const unsigned char *verifier,
                                size_t verifier_len)
{
        (void)b, (void)B, (void)verifier, (void)verifier_len;
        return ak__fail(AK_ERR_UNSUPPORTED, "srp: not implemented yet");
}

enum ak_err ak_srp_server_finish(unsigned char M2[AK_SRP_HASH_BYTES], unsigned char *session_key,
                                 const char *identity, const unsigned char *salt, size_t salt_len,
                                 const unsigned char *verifier, size_t verifier_len,
                                 const unsigned char b[AK_SRP_EPHEMERAL_BYTES],
                                 const unsigned char *A, size_t A_len, const unsigned char *M1,
                                 size_t M1_len)
{
        (void)M2, (void)session_key, (void)identity, (void)salt, (void)salt_len, (void)verifier,
            (void)verifier_len, (void)b, (void)A, (void)A_len, (void)M1, (void)M1_len;
        return ak__fail(AK_ERR_UNSUPPORTED, "srp: not implemented yet");
}
