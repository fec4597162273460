/*
 * Duo Mobile's accounts (files/duokit/accounts.json, from a rooted phone):
 *
 *   [{"version", "accountType": "OtpAccount", "name", "otpGenerator":
 *     {"otpSecret" (base32), "counter" (HOTP only)}, "logoUri", "pkey", ...}]
 *
 * An account with a counter is HOTP, one without TOTP; both SHA-1, 6 digits
 * (and 30 s). Duo's own accounts (Duo Push) hold no OTP secret: they are
 * unreadable entries that say so.
 */
#include <stdio.h>
#include <stdlib.h>

#include "import_internal.h"

bool ak__duo_is(const json_t *root)
{
        const json_t *first = json_array_get(root, 0);

        return json_is_array(root) && json_is_object(first) &&
               (json_object_get(first, "otpGenerator") != NULL ||
                json_object_get(first, "accountType") != NULL);
}

static enum ak_err read_account(struct ak_account *acct, const json_t *e)
{
        const json_t *gen = json_object_get(e, "otpGenerator");
        const char *type = ak__json_str(e, "accountType");
        struct ak__otp_fields f = {
            .name = ak__json_str(e, "name"),
            .secret = ak__json_str(gen, "otpSecret"),
            .counter = ak__json_int(gen, "counter", -1),
        };

        if (!json_is_object(e))
                return ak__fail(AK_ERR_FORMAT, "not an object");
        if (!json_is_object(gen) || f.secret == NULL)
                return ak__fail(AK_ERR_UNSUPPORTED,
                                "a Duo Push account (%.40s) holds no OTP secret: it stays in Duo",
                                type ? type : "no otpGenerator");
        if (json_object_get(gen, "counter") != NULL) {
                f.type = "hotp";
                if (f.counter < 0)
                        return ak__fail(AK_ERR_OTP_PARAM, "counter: not a counter");
        }
        return ak__account_from_fields(acct, &f);
}

enum ak_err ak__import_duo(struct ak_import *out, json_t *root)
{
        json_t *e;
        size_t i;
        enum ak_err rc = AK_OK;

        if (!json_is_array(root))
                return ak__fail(AK_ERR_FORMAT, "duo: not a JSON list");
        json_array_foreach(root, i, e)
        {
                struct ak_account acct;
                char where[32];

                ak_account_init(&acct);
                snprintf(where, sizeof(where), "account %zu", i + 1);
                rc = ak__import_push(out, read_account(&acct, e), &acct, where,
                                     ak__json_str(e, "name"));
                if (rc != AK_OK)
                        break;
        }
        return rc;
}
