/*
 * Fuzz target: the parsers of the server's answers (lib/client.c). The
 * first byte chooses the parser (error, backup, versions, upload, time,
 * sign-in start, sign-in finish, and lib/client_devices.c's: a device
 * registered, the devices, the pending sign-in requests, a sign-in answer's
 * outcome, an error code); the rest is the answer's body (for error and
 * outcome answers, two more bytes give the HTTP status).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authkeep/client.h"
#include "client_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct ak_backup_info info;
        struct ak_backup_versions versions;
        unsigned char *envelope = NULL;
        size_t envelope_len = 0;
        const char *body;
        long retry = 0;
        int64_t t;

        if (size < 1)
                return 0;
        body = (const char *)data + 1;
        size--;
        switch (data[0] % 12) {
        case 0:
                if (size < 2)
                        return 0;
                (void)ak_client_parse_error(300 + (data[1] << 8 | data[2]) % 300, body + 2,
                                            size - 2, &retry, &info);
                break;
        case 1:
                if (ak_client_parse_backup(&info, &envelope, &envelope_len, body, size) == AK_OK)
                        free(envelope);
                break;
        case 2:
                if (ak_client_parse_versions(&versions, body, size) == AK_OK)
                        ak_backup_versions_clear(&versions);
                break;
        case 3:
                if (ak_client_parse_upload(&info, body, size) != AK_OK)
                        return 0;
                break;
        case 5: {
                struct ak_auth_challenge challenge;

                if (ak_client_parse_auth_start(&challenge, body, size) != AK_OK)
                        return 0;
                break;
        }
        case 6: {
                struct ak_auth_answer answer;

                if (ak_client_parse_auth_finish(&answer, body, size) != AK_OK)
                        return 0;
                break;
        }
        case 7: {
                struct ak_device_registered registered;

                if (ak_client_parse_registered(&registered, body, size) != AK_OK)
                        return 0;
                break;
        }
        case 8: {
                struct ak_device_list devices = {0};

                if (ak_client_parse_devices(&devices, "00112233445566778899aabbccddeeff", body,
                                            size) == AK_OK)
                        ak_device_list_clear(&devices);
                break;
        }
        case 9: {
                struct ak_signin_requests requests = {0};

                if (ak_client_parse_requests(&requests, body, size) == AK_OK)
                        ak_signin_requests_clear(&requests);
                break;
        }
        case 10: {
                enum ak_signin_outcome outcome;

                if (size < 2)
                        return 0;
                if (ak_client_parse_signin_outcome(&outcome, 200 + (data[1] << 8 | data[2]) % 400,
                                                   body + 2, size - 2) != AK_OK)
                        return 0;
                break;
        }
        case 11: {
                char code[65];
                uint64_t max_devices;

                ak_client_parse_error_code(code, sizeof(code), &max_devices, body, size);
                break;
        }
        case 4: {
                char *text = malloc(size + 1);

                if (text == NULL)
                        return 0;
                memcpy(text, body, size);
                text[size] = '\0';
                (void)ak_client_parse_time(&t, text);
                free(text);
                break;
        }
        }
        return 0;
}
