/*
 * Fuzz target: the parsers of the server's answers (lib/client.c). The
 * first byte chooses the parser (error, backup, versions, upload, time,
 * sign-in start, sign-in finish); the rest is the answer's body (for error
 * answers, two more bytes give the HTTP status).
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
        switch (data[0] % 7) {
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
