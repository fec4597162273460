/*
 * authkeep backup versions [--json]: the versions kept on the server, each
 * with its time, the device that made it and the accounts it holds (counted
 * on this device: the server sees only ciphertext). `recover --version N`
 * restores one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "backup_words.h"
#include "cli.h"

static const char versions_help[] =
    "usage: authkeep backup versions [--json]\n"
    "\n"
    "Lists the backup versions the server keeps, newest first: the version, when\n"
    "it was made, the device that made it and how many accounts it holds. Each is\n"
    "downloaded and opened on this device to count them; nothing is changed.\n"
    "'authkeep recover --version N' restores one.\n"
    "\n"
    "  --json    one JSON array of objects: version, created_at (unix seconds),\n"
    "            device_id, device_name, accounts (null when it cannot be opened),\n"
    "            size (bytes on the server)\n";

static int print_json(const struct ak_sync_version_list *list)
{
        json_t *array = json_array();
        int bad = array == NULL;

        for (size_t i = 0; i < list->count && !bad; i++) {
                const struct ak_sync_version *v = &list->items[i];

                bad |= json_array_append_new(
                    array,
                    json_pack("{s:I, s:I, s:s, s:s, s:o, s:I}", "version",
                              (json_int_t)v->info.version, "created_at",
                              (json_int_t)v->info.created_at, "device_id", v->info.device_id,
                              "device_name", v->info.device_name, "accounts",
                              v->readable ? json_integer((json_int_t)v->accounts) : json_null(),
                              "size", (json_int_t)v->info.size));
        }
        if (bad || json_dumpf(array, stdout, JSON_INDENT(2)) != 0) {
                json_decref(array);
                return cli_fail(AK_ERR_NOMEM, "backup versions: writing JSON");
        }
        json_decref(array);
        cli_printf("\n");
        return CLI_EXIT_OK;
}

static int print_table(const struct ak_sync_version_list *list)
{
        struct cli_table *t = cli_table_new(4);
        enum ak_err err =
            t != NULL ? cli_table_add(t, "VERSION", "MADE", "BY", "ACCOUNTS") : AK_ERR_NOMEM;

        for (size_t i = 0; i < list->count && err == AK_OK; i++) {
                const struct ak_sync_version *v = &list->items[i];
                char version[24], made[48], by[300], accounts[64];

                snprintf(version, sizeof(version), "%llu", (unsigned long long)v->info.version);
                cli_time(v->info.created_at, made, sizeof(made));
                ak_sync_device_label(by, sizeof(by), v->info.device_id, v->info.device_name);
                if (v->readable)
                        snprintf(accounts, sizeof(accounts), "%zu", v->accounts);
                else
                        snprintf(accounts, sizeof(accounts), "cannot be opened (%s)",
                                 ak_strerror(v->error));
                err = cli_table_add(t, version, made, by, accounts);
        }
        if (err != AK_OK) {
                cli_table_free(t);
                return cli_fail(err, "backup versions");
        }
        cli_table_print(t, stdout);
        cli_table_free(t);
        if (list->count > 0)
                cli_printf("'authkeep recover --version N' restores one onto a device.\n");
        return CLI_EXIT_OK;
}

int backup_versions(int argc, char **argv)
{
        struct ak_sync_version_list list = {0};
        struct ak_sync_status st;
        struct ak_vault *vault;
        struct ak_sync *sync;
        bool json;
        int rc;

        if (cli_help(argc, argv, versions_help))
                return CLI_EXIT_OK;
        if ((rc = cli_only_json("backup versions", argc, argv, &json)) != CLI_EXIT_OK)
                return rc;
        if (backup_open(!json, &vault, &sync, &st) != CLI_EXIT_OK)
                return CLI_EXIT_FAIL;
        enum ak_err err =
            st.state == AK_SYNC_OFF ? AK_ERR_BACKUP_OFF : ak_sync_versions(sync, &list);
        if (err == AK_ERR_BACKUP_OFF)
                rc = cli_error("backup versions: backup is off on this device; turn it on with "
                               "'authkeep backup on', or list a backup with 'authkeep recover "
                               "--dry-run'");
        else if (err != AK_OK)
                rc = backup_report(err, "backup versions", st.email, ak_sync_retry_after(sync), "");
        else if (list.deleted)
                rc = cli_error("backup versions: the backup was deleted on the server; there is "
                               "no version to list");
        else if (list.count == 0 && !json)
                cli_printf("The server keeps no backup version yet.\n");
        else
                rc = json ? print_json(&list) : print_table(&list);
        ak_sync_version_list_clear(&list);
        ak_sync_free(sync);
        ak_vault_free(vault);
        return rc;
}
