/*
 * Fuzz target: pam_authkeep.so's parsers of authkeepd's answers
 * (pam/pam_http.c). The first byte chooses the parser: a started sign-in,
 * a sign-in's state, a refusal; the rest is the body. What a parser accepts
 * must have the shape the module relies on (a request id it puts in a URL
 * path, a two-digit number, a known state, an error code of [a-z_]).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pam_authkeep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct pam_ak_signin s;
        enum pam_ak_state state;
        char error[32];
        long retry;
        const char *body;

        if (size < 1)
                return 0;
        body = (const char *)data + 1;
        size--;
        switch (data[0] % 3) {
        case 0:
                if (!pam_ak_parse_signin(body, size, &s))
                        break;
                if (strlen(s.request_id) != PAM_AK_REQUEST_ID_LEN ||
                    strspn(s.request_id, "0123456789abcdef") != PAM_AK_REQUEST_ID_LEN ||
                    s.number < 10 || s.number > 99 || s.expires_at <= 0)
                        abort();
                break;
        case 1:
                if (pam_ak_parse_state(body, size, &state) && state != PAM_AK_PENDING &&
                    state != PAM_AK_APPROVED && state != PAM_AK_DENIED && state != PAM_AK_EXPIRED)
                        abort();
                break;
        default:
                pam_ak_parse_refusal(body, size, error, sizeof(error), &retry);
                if (strlen(error) >= sizeof(error) ||
                    strspn(error, "abcdefghijklmnopqrstuvwxyz_") != strlen(error) || retry < 0)
                        abort();
                break;
        }
        return 0;
}
