/*
 * ak_import_parse: which parser reads an export (lib/import/detect.c tells
 * the format). Kept apart from entries.c so that a program that only
 * classifies accounts (recovery) does not link every parser, and with them
 * zbar and the image libraries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps.h"

/* Parses the JSON formats. `root` is borrowed. */
static enum ak_err parse_json_format(struct ak_import *out, enum ak_import_format format,
                                     json_t *root, const char *password, size_t password_len)
{
        switch (format) {
        case AK_IMPORT_AEGIS:
                return ak__import_aegis(out, root, password, password_len);
        case AK_IMPORT_2FAS:
                return ak__import_2fas(out, root, password, password_len);
        case AK_IMPORT_ANDOTP:
                return ak__import_andotp_json(out, root);
        case AK_IMPORT_PROTON:
                return ak__import_proton(out, root);
        case AK_IMPORT_BITWARDEN:
                return ak__import_bitwarden(out, root);
        case AK_IMPORT_DUO:
                return ak__import_duo(out, root);
        default:
                return ak__fail(AK_ERR_INTERNAL, "format: not a JSON format");
        }
}

/* Every QR code of an image, each as a URI line. */
static enum ak_err parse_image(struct ak_import *out, const void *data, size_t len)
{
        char **texts = NULL;
        size_t count = 0;
        enum ak_err rc = ak_qr_decode(&texts, &count, data, len);

        for (size_t i = 0; rc == AK_OK && i < count; i++) {
                char where[32];
                snprintf(where, sizeof(where), "QR code %zu", i + 1);
                rc = ak__import_one_uri(out, texts[i], where);
        }
        ak_qr_texts_free(texts, count);
        return rc;
}

enum ak_err ak_import_parse(struct ak_import *out, enum ak_import_format format, const void *data,
                            size_t len, const char *password, size_t password_len)
{
        return ak__import_parse_in(out, format, data, len, password, password_len, NULL);
}

enum ak_err ak__import_parse_in(struct ak_import *out, enum ak_import_format format,
                                const void *data, size_t len, const char *password,
                                size_t password_len, const char *dir)
{
        struct ak_import tmp;
        json_t *root = NULL;
        bool encrypted = false;
        enum ak_err rc = AK_OK;

        ak_import_init(&tmp);
        if (len > AK_IMPORT_MAX_BYTES)
                return ak__fail(AK_ERR_LIMIT, "input: larger than %u bytes", AK_IMPORT_MAX_BYTES);
        if (format == AK_IMPORT_AUTO) {
                rc = ak__import_detect(&format, &encrypted, &root, data, len);
                if (rc != AK_OK)
                        goto done;
        }
        tmp.format = format;
        switch (format) {
        case AK_IMPORT_URIS:
        case AK_IMPORT_GAUTH:
                rc = ak__import_uris(&tmp, data, len, format == AK_IMPORT_GAUTH);
                break;
        case AK_IMPORT_IMAGE:
                rc = parse_image(&tmp, data, len);
                break;
        case AK_IMPORT_ANDOTP:
                if (!ak__looks_json(data, len)) {
                        rc = ak__import_andotp_encrypted(&tmp, data, len, password, password_len);
                        break;
                }
                /* Plain andOTP is JSON. */
                __attribute__((fallthrough));
        case AK_IMPORT_AEGIS:
        case AK_IMPORT_2FAS:
        case AK_IMPORT_PROTON:
        case AK_IMPORT_BITWARDEN:
        case AK_IMPORT_DUO:
                if (root == NULL)
                        rc = ak__json_parse(&root, data, len, ak_import_format_name(format));
                if (rc == AK_OK)
                        rc = parse_json_format(&tmp, format, root, password, password_len);
                break;
        case AK_IMPORT_STEAM:
                rc = ak__import_steam_input(&tmp, data, len, root, password, password_len, dir);
                break;
        case AK_IMPORT_STRATUM:
                rc = ak__import_stratum(&tmp, data, len, root, password, password_len);
                break;
        case AK_IMPORT_BITWARDEN_CSV:
                rc = ak__import_bitwarden_csv(&tmp, data, len);
                break;
        case AK_IMPORT_WINAUTH:
                rc = ak__import_winauth_input(&tmp, data, len, password);
                break;
        case AK_IMPORT_GAUTH_DB:
        case AK_IMPORT_MSAUTH_DB:
        case AK_IMPORT_STRATUM_DB:
                rc = ak__fail(AK_ERR_UNSUPPORTED, "%s: SQLite databases are read from a file",
                              ak_import_format_name(format));
                break;
        default:
                if (ak__apps_has(format))
                        rc = ak__apps_parse(&tmp, format, data, len, password, password_len);
                else
                        rc = ak__fail(AK_ERR_INVALID, "format: unknown");
                break;
        }
        if (rc != AK_OK)
                goto done;
        rc = ak__import_take(out, &tmp);
        if (rc == AK_OK)
                out->format = format;
done:
        json_decref(root);
        ak_import_clear(&tmp);
        return rc;
}
