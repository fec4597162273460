/*
 * Backups on the server (include/authkeep/client.h): the versions kept,
 * upload, download and delete. Envelopes are sealed and opened here with
 * backup.c, so that only ciphertext ever goes to the server.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authkeep/authkeep.h"
#include "client_internal.h"

enum ak_err ak_client_backup_versions(struct ak_client *client, struct ak_backup_versions *out)
{
        struct ak__buf answer = {0};
        enum ak_err err =
            ak__client_call(client, "GET", "/v1/backup/versions", NULL, true, &answer, NULL);

        if (err != AK_OK)
                return err;
        err = ak_client_parse_versions(out, answer.data, answer.len);
        ak__buf_free(&answer);
        return err;
}

enum ak_err ak_client_backup_upload(struct ak_client *client, struct ak_backup_info *info,
                                    const unsigned char backup_key[AK_BACKUP_KEY_BYTES],
                                    const char *account_id, uint64_t replaces_version,
                                    const char *device_id, const char *device_name,
                                    const char *payload, size_t payload_len)
{
        unsigned char *envelope = NULL;
        size_t envelope_len = 0;
        struct ak_backup_info got;
        struct ak__buf answer = {0};
        json_t *req = NULL;
        enum ak_err err;

        memset(&got, 0, sizeof(got));
        err = ak_backup_seal(&envelope, &envelope_len, payload, payload_len, backup_key, account_id,
                             replaces_version + 1);
        if (err != AK_OK)
                return err;
        req = json_pack("{s:I, s:s, s:s, s:o}", "replaces_version", (json_int_t)replaces_version,
                        "device_id", device_id, "device_name", device_name ? device_name : "",
                        "envelope", ak__client_b64_json(envelope, envelope_len));
        free(envelope);
        if (req == NULL)
                return ak__fail(AK_ERR_NOMEM, "upload");
        err = ak__client_call(client, "PUT", "/v1/backup", req, true, &answer, &got);
        json_decref(req);
        if (err == AK_OK)
                err = ak_client_parse_upload(&got, answer.data, answer.len);
        ak__buf_free(&answer);
        if (err == AK_OK && got.version != replaces_version + 1)
                err = ak__fail(AK_ERR_PROTOCOL,
                               "upload: the server numbered it %" PRIu64 ", not %" PRIu64,
                               got.version, replaces_version + 1);
        if (err == AK_OK || err == AK_ERR_NEWER_BACKUP || err == AK_ERR_BACKUP_DELETED)
                *info = got;
        return err;
}

/* Downloads and opens a version: a kept one of a deleted backup when `deleted`. */
static enum ak_err download(struct ak_client *client, struct ak_backup_info *info, char **payload,
                            size_t *payload_len,
                            const unsigned char backup_key[AK_BACKUP_KEY_BYTES],
                            const char *account_id, uint64_t version, bool deleted)
{
        char path[80];
        struct ak__buf answer = {0};
        struct ak_backup_info got;
        unsigned char *envelope = NULL, *plain = NULL;
        size_t envelope_len = 0, plain_len = 0;
        enum ak_err err;

        memset(&got, 0, sizeof(got));
        if (version > 0)
                snprintf(path, sizeof(path), "/v1/backup?version=%" PRIu64 "%s", version,
                         deleted ? "&deleted=1" : "");
        else
                snprintf(path, sizeof(path), "/v1/backup%s", deleted ? "?deleted=1" : "");
        err = ak__client_call(client, "GET", path, NULL, true, &answer, &got);
        if (err == AK_ERR_BACKUP_DELETED)
                *info = got;
        if (err != AK_OK)
                return err;
        err = ak_client_parse_backup(&got, &envelope, &envelope_len, answer.data, answer.len);
        ak__buf_free(&answer);
        if (err != AK_OK)
                return err;
        if (version > 0 && got.version != version) {
                free(envelope);
                return ak__fail(AK_ERR_PROTOCOL,
                                "download: asked for version %" PRIu64 ", got %" PRIu64, version,
                                got.version);
        }
        err = ak_backup_open(&plain, &plain_len, envelope, envelope_len, backup_key, account_id,
                             got.version);
        free(envelope);
        if (err == AK_ERR_BACKUP_TAMPERED)
                err = ak__fail(err, "version %" PRIu64 " failed authentication", got.version);
        else if (err == AK_ERR_FORMAT || err == AK_ERR_LIMIT)
                err = ak__fail(AK_ERR_BACKUP_TAMPERED,
                               "version %" PRIu64 " is not a backup envelope", got.version);
        else if (err == AK_ERR_UNSUPPORTED)
                err =
                    ak__fail(err, "version %" PRIu64 " was made by a newer Authkeep", got.version);
        if (err != AK_OK)
                return err;
        *payload = (char *)plain;
        *payload_len = plain_len;
        *info = got;
        return AK_OK;
}

enum ak_err ak_client_backup_download(struct ak_client *client, struct ak_backup_info *info,
                                      char **payload, size_t *payload_len,
                                      const unsigned char backup_key[AK_BACKUP_KEY_BYTES],
                                      const char *account_id, uint64_t version)
{
        return download(client, info, payload, payload_len, backup_key, account_id, version, false);
}

enum ak_err ak_client_backup_download_deleted(struct ak_client *client, struct ak_backup_info *info,
                                              char **payload, size_t *payload_len,
                                              const unsigned char backup_key[AK_BACKUP_KEY_BYTES],
                                              const char *account_id, uint64_t version)
{
        return download(client, info, payload, payload_len, backup_key, account_id, version, true);
}

enum ak_err ak_client_backup_delete(struct ak_client *client, const char *device_id,
                                    const char *device_name)
{
        json_t *req = json_pack("{s:s, s:s}", "device_id", device_id ? device_id : "",
                                "device_name", device_name ? device_name : "");
        enum ak_err err;

        if (req == NULL)
                return ak__fail(AK_ERR_NOMEM, "delete");
        if (device_id == NULL)
                json_object_clear(req);
        err = ak__client_call(client, "DELETE", "/v1/backup", req, true, NULL, NULL);
        json_decref(req);
        return err;
}
