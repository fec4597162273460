/*
 * The Battle.net app's authenticator, from a rooted phone's
 * /data/data/com.blizzard.messenger/shared_prefs/com.blizzard.messenger.
 * authenticator_preferences.xml. With AUTHENTICATOR_CREDENTIALS_ENCRYPTION_
 * TYPE "MASK" (or absent), com.blizzard.messenger.AUTHENTICATOR_DEVICE_SECRET
 * and ...AUTHENTICATOR_SERIAL are hex, each byte XORed with a fixed mask
 * (the app's constant below); unmasked, the serial is text ("US-1234-...")
 * and the device secret is the hex of the TOTP secret: SHA-1, 8 digits,
 * 30 seconds, issued by "Battle.net" and named by the serial. Any other
 * encryption type keeps the secret in the phone's keystore, which a copy
 * of the file cannot open.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "apps.h"

#define BNET "com.blizzard.messenger."

static const unsigned char mask[] = {
    0x39, 0x8e, 0x27, 0xfc, 0x50, 0x27, 0x6a, 0x65, 0x60, 0x65, 0xb0, 0xe5, 0x25, 0xf4, 0xc0,
    0x6c, 0x04, 0xc6, 0x10, 0x75, 0x28, 0x6b, 0x8e, 0x7a, 0xed, 0xa5, 0x9d, 0xa9, 0x81, 0x3b,
    0x5d, 0xd6, 0xc8, 0x0d, 0x2f, 0xb3, 0x80, 0x68, 0x77, 0x3f, 0xa5, 0x9b, 0xa4, 0x7c, 0x17,
    0xca, 0x6c, 0x64, 0x79, 0x01, 0x5c, 0x1d, 0x5b, 0x8b, 0x8f, 0x6b, 0x9a,
};

/* Unmasks a hex value into text (*out malloc'd, freed with ak__free_secret_str). */
static enum ak_err unmask(char **out, const char *hex, const char *what)
{
        size_t n = strlen(hex), bin_len = 0;
        unsigned char *bin;

        if (n % 2 != 0 || n / 2 > sizeof(mask))
                return ak__fail(AK_ERR_FORMAT, "%s: not a masked value (%zu hex digits)", what, n);
        bin = malloc(n / 2 + 1);
        if (bin == NULL)
                return AK_ERR_NOMEM;
        if (sodium_hex2bin(bin, n / 2, hex, n, NULL, &bin_len, NULL) != 0 || bin_len != n / 2) {
                ak__free_secret(bin, n / 2 + 1);
                return ak__fail(AK_ERR_FORMAT, "%s: not hex", what);
        }
        for (size_t i = 0; i < bin_len; i++) {
                bin[i] ^= mask[i];
                if (bin[i] < 0x20 || bin[i] > 0x7e) {
                        ak__free_secret(bin, n / 2 + 1);
                        return ak__fail(AK_ERR_FORMAT, "%s: does not unmask to text", what);
                }
        }
        bin[bin_len] = '\0';
        *out = (char *)bin;
        return AK_OK;
}

static enum ak_err read_account(struct ak_account *acct, char **serial,
                                const struct ak__prefs *prefs)
{
        const char *type = ak__prefs_get(prefs, BNET "AUTHENTICATOR_CREDENTIALS_ENCRYPTION_TYPE");
        const char *secret_hex = ak__prefs_get(prefs, BNET "AUTHENTICATOR_DEVICE_SECRET");
        const char *serial_hex = ak__prefs_get(prefs, BNET "AUTHENTICATOR_SERIAL");
        char *secret_text = NULL;
        unsigned char secret[64];
        size_t secret_len = 0, n;
        struct ak__otp_fields f = {.issuer = "Battle.net", .digits = 8, .counter = -1};
        enum ak_err rc;

        if (type != NULL && strcmp(type, "MASK") != 0)
                return ak__fail(AK_ERR_UNSUPPORTED,
                                "credentials encrypted as '%.20s': the phone's keystore holds the "
                                "key, which a copy of the file cannot open",
                                type);
        if (serial_hex != NULL && serial_hex[0] != '\0') {
                rc = unmask(serial, serial_hex, "serial");
                if (rc != AK_OK)
                        return rc;
                f.name = *serial;
        }
        if (secret_hex == NULL)
                return ak__fail(AK_ERR_FORMAT, "no device secret");
        rc = unmask(&secret_text, secret_hex, "device secret");
        if (rc != AK_OK)
                return rc;
        n = strlen(secret_text);
        if (sodium_hex2bin(secret, sizeof(secret), secret_text, n, NULL, &secret_len, NULL) != 0 ||
            secret_len * 2 != n)
                rc = ak__fail(AK_ERR_FORMAT, "device secret: does not unmask to hex");
        f.secret_raw = secret;
        f.secret_raw_len = secret_len;
        if (rc == AK_OK)
                rc = ak__account_from_fields(acct, &f);
        sodium_memzero(secret, sizeof(secret));
        ak__free_secret_str(secret_text);
        return rc;
}

enum ak_err ak__import_battlenet(struct ak_import *out, const struct ak__prefs *prefs)
{
        struct ak_account acct;
        char *serial = NULL;
        enum ak_err rc;

        if (ak__prefs_get(prefs, BNET "AUTHENTICATOR_DEVICE_SECRET") == NULL &&
            ak__prefs_get(prefs, BNET "AUTHENTICATOR_SERIAL") == NULL)
                return ak__fail(AK_ERR_FORMAT, "battlenet: no authenticator in the preferences");
        ak_account_init(&acct);
        rc = read_account(&acct, &serial, prefs);
        if (rc != AK_ERR_NOMEM)
                rc = ak__import_push(out, rc, &acct, "authenticator", serial ? serial : "");
        free(serial);
        return rc;
}
