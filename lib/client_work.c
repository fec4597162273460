/*
 * This device on work or school accounts (include/authkeep/work.h): its
 * derived device id, and enrolment with an activation code, which gives
 * the work entry its per-device secret. The entry's helpers are those of
 * the personal entry (lib/device.c): the two differ in kind and in the
 * device id the server knows, not in how their codes are kept.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "authkeep/authkeep.h"
#include "authkeep/work.h"
#include "client_internal.h"

static const char work_tag[] = "authkeep-work";

enum ak_err ak_work_device_id(char out[AK_DEVICE_ID_LEN + 1], const struct ak_vault *vault,
                              const char *server, const char *email)
{
        return ak__device_derived_id(out, vault, work_tag, server, email, "work account");
}

enum ak_err ak_work_find(const struct ak_account_list *accounts, const char *server,
                         const char *email, size_t *index)
{
        return ak__device_entry_find(accounts, AK_KIND_WORK, server, email, index);
}

/* The refusal the server's error code names. */
static enum ak_work_refusal refusal_of(const char *code)
{
        static const struct {
                const char *code;
                enum ak_work_refusal refusal;
        } known[] = {
            {"bad_activation", AK_WORK_BAD_CODE},    {"activation_used", AK_WORK_USED},
            {"activation_expired", AK_WORK_EXPIRED}, {"user_removed", AK_WORK_REMOVED},
            {"device_taken", AK_WORK_DEVICE_TAKEN},  {"too_many_devices", AK_WORK_TOO_MANY},
        };
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
                if (strcmp(code, known[i].code) == 0)
                        return known[i].refusal;
        return AK_WORK_OTHER;
}

/* POST /v1/activate; on AK_OK *got holds the raw secret (the caller wipes it). */
static enum ak_err activate(struct ak_client *client, const struct ak_vault *vault,
                            const struct ak_activation *a, const char *device_id, const char *name,
                            struct ak_device_registered *got, enum ak_work_refusal *refusal)
{
        unsigned char pk[AK_DEVICE_PK_BYTES];
        struct ak__buf answer = {0};
        char code[65];
        uint64_t ignored;
        long status = 0, retry;
        json_t *req;
        enum ak_err err;

        *refusal = AK_WORK_OTHER;
        ak_vault_device_public_key(vault, pk);
        req = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "org", a->org, "email", a->email, "code",
                        a->code, "device_id", device_id, "name", name, "public_key",
                        ak__client_b64_json(pk, sizeof(pk)));
        if (req == NULL)
                return ak__fail(AK_ERR_NOMEM, "activation");
        err = ak__client_exchange(client, "POST", "/v1/activate", req, false, NULL, 0, &status,
                                  &answer);
        json_decref(req); /* the code's copy in it goes with it; jansson does not wipe */
        if (err != AK_OK)
                return err;
        if (status == 200 || status == 201) {
                err = ak_client_parse_registered(got, answer.data, answer.len);
                if (err == AK_OK && strcmp(got->device_id, device_id) != 0)
                        err = ak__fail(AK_ERR_PROTOCOL,
                                       "activation: the server registered another device id");
                *refusal = AK_WORK_ACCEPTED;
                goto done;
        }
        ak_client_parse_error_code(code, sizeof(code), &ignored, answer.data, answer.len);
        *refusal = refusal_of(code);
        if (*refusal != AK_WORK_OTHER) {
                /* The server's own sentence says what to do. */
                (void)ak_client_parse_error(status, answer.data, answer.len, &retry, NULL);
                err = ak__client_refail(AK_ERR_AUTH, "activation", ": ");
        } else if (status == 404 || status == 405 || status == 501) {
                err = ak__fail(AK_ERR_UNSUPPORTED, "the server has no work accounts (too old)");
        } else {
                err = ak_client_parse_error(status, answer.data, answer.len, &retry, NULL);
        }
done:
        ak__buf_free(&answer);
        return err;
}

enum ak_err ak_work_enrol(struct ak_client *client, struct ak_vault *vault,
                          const struct ak_activation *a, const char *name,
                          struct ak_work_enrolment *out)
{
        struct ak_work_enrolment r;
        struct ak_device_registered got;
        char cut[AK_DEVICE_NAME_MAX + 1];
        enum ak_err err;

        memset(&r, 0, sizeof(r));
        memset(&got, 0, sizeof(got));
        r.refusal = AK_WORK_OTHER;
        err = ak_work_device_id(r.device_id, vault, a->server, a->email);
        if (err != AK_OK)
                goto done;
        ak__device_name(cut, name);
        err = activate(client, vault, a, r.device_id, cut, &got, &r.refusal);
        if (err != AK_OK)
                goto done;
        r.registered_at = got.registered_at;
        err = ak__device_entry_store(vault, AK_KIND_WORK, a->server, a->email, got.totp_secret,
                                     got.registered_at, &r.added);
done:
        sodium_memzero(&got, sizeof(got));
        r.err = err;
        if (err != AK_OK)
                snprintf(r.detail, sizeof(r.detail), "%s", ak_error_detail());
        if (out != NULL)
                *out = r;
        return err;
}
