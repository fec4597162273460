/*
 * Argon2id, the one key derivation the library runs for its own secrets
 * (the vault's passphrase slot, recovery secrets), and what a program needs
 * to tell a person that a long one has started: an estimate of its time
 * and a notice called just before each derivation. The library prints
 * nothing itself.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "authkeep/kdf.h"
#include "internal.h"

static ak_kdf_notice_fn notice_fn;
static void *notice_ctx;

/*
 * Measured with libsodium's crypto_pwhash (one lane) on the reference
 * machine (NOTES): 64 MiB / 3 passes 0.08 s, 256 MiB / 3 passes 0.66 s,
 * 1 GiB / 4 passes 5.4 s. The time per MiB and pass grows with the memory
 * (caches stop helping): about 0.42 ms up to 64 MiB, then 0.225 ms more for
 * each doubling. An estimate to word a notice, not a promise.
 */
unsigned long ak_kdf_estimate_ms(uint64_t opslimit, size_t memlimit)
{
        double mib = (double)memlimit / (1024.0 * 1024.0);
        double per_mib_pass = 0.42;

        if (mib > 64.0)
                per_mib_pass += 0.225 * log2(mib / 64.0);
        return (unsigned long)((double)opslimit * mib * per_mib_pass + 0.5);
}

void ak_kdf_set_notice(ak_kdf_notice_fn fn, void *ctx)
{
        notice_fn = fn;
        notice_ctx = ctx;
}

int ak__argon2id(unsigned char *out, size_t out_len, const char *secret, size_t secret_len,
                 const unsigned char *salt, uint64_t opslimit, size_t memlimit)
{
        if (notice_fn != NULL)
                notice_fn(notice_ctx, ak_kdf_estimate_ms(opslimit, memlimit));
        return crypto_pwhash(out, out_len, secret, secret_len, salt, opslimit, memlimit,
                             crypto_pwhash_ALG_ARGON2ID13);
}
