/*
 * authkeep devices [--json] | devices remove DEVICE [--force]: the devices
 * of the account backup goes to (include/authkeep/device.h). The rules are
 * the library's; this file words them.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "backup_words.h"
#include "cli.h"

static const char devices_help[] =
    "usage: authkeep devices [--json]\n"
    "       authkeep devices remove DEVICE [--force]\n"
    "\n"
    "Lists the devices of the account backup goes to: name, id, when each was\n"
    "registered and last used, and which one is this device. 'remove' revokes a\n"
    "device's push key and its codes at once; DEVICE is its id or a name that one\n"
    "device alone has. The account's last device is removed only with --force.\n"
    "\n"
    "  --json    one JSON array of objects: id, name, registered, last_used (unix\n"
    "            seconds, 0: never), this_device and verified (false: the device\n"
    "            waits for verification after recovery)\n";

/* Opens the vault, the engine and its signed-in client; prints the error itself. */
static int open_devices(const char *what, struct ak_vault **vault, struct ak_sync **sync,
                        struct ak_client **client)
{
        struct ak_sync_status st;
        enum ak_err err;

        *sync = NULL;
        *vault = cli_open_vault();
        if (*vault == NULL)
                return CLI_EXIT_FAIL;
        *sync = backup_engine(*vault, true);
        if (*sync == NULL)
                return CLI_EXIT_FAIL;
        ak_sync_status(*sync, &st);
        if (st.state == AK_SYNC_OFF)
                return cli_error("%s: this device has no personal account: turn backup on with "
                                 "'authkeep backup on --server URL --email EMAIL'",
                                 what);
        err = ak_sync_client(*sync, client);
        if (err != AK_OK)
                return backup_report(err, what, st.email, ak_sync_retry_after(*sync), "");
        return CLI_EXIT_OK;
}

/* The one line for a failure of a devices call. */
static int devices_report(enum ak_err err, const char *what, struct ak_sync *sync)
{
        struct ak_sync_status st;

        if (err == AK_ERR_UNSUPPORTED)
                return cli_error("%s: this server does not register devices (it is too old)", what);
        ak_sync_status(sync, &st);
        return backup_report(err, what, st.email, ak_sync_retry_after(sync), "");
}

static int print_devices_json(const struct ak_device_list *list)
{
        json_t *array = json_array();
        int bad = array == NULL;

        for (size_t i = 0; i < list->count && !bad; i++) {
                const struct ak_device_entry *d = &list->items[i];

                bad |= json_array_append_new(
                    array, json_pack("{s:s, s:s, s:I, s:I, s:b, s:b}", "id", d->id, "name", d->name,
                                     "registered", (json_int_t)d->registered, "last_used",
                                     (json_int_t)d->last_used, "this_device", d->this_device,
                                     "verified", d->verified));
        }
        if (bad || json_dumpf(array, stdout, JSON_INDENT(2)) != 0) {
                json_decref(array);
                return cli_fail(AK_ERR_NOMEM, "devices: writing JSON");
        }
        json_decref(array);
        cli_printf("\n");
        return CLI_EXIT_OK;
}

static int print_devices_table(const struct ak_device_list *list)
{
        struct cli_table *t = cli_table_new(5);
        char reg[40], used[40];
        enum ak_err err = t != NULL ? AK_OK : AK_ERR_NOMEM;

        if (err == AK_OK)
                err = cli_table_add(t, "NAME", "ID", "REGISTERED", "LAST USED", "");
        for (size_t i = 0; i < list->count && err == AK_OK; i++) {
                const struct ak_device_entry *d = &list->items[i];

                cli_time(d->registered, reg, sizeof(reg));
                if (d->last_used > 0)
                        cli_time(d->last_used, used, sizeof(used));
                else
                        snprintf(used, sizeof(used), "never");
                err = cli_table_add(t, d->name, d->id, reg, used,
                                    d->this_device && !d->verified ? "this device, not verified"
                                    : d->this_device               ? "this device"
                                    : !d->verified                 ? "not verified"
                                                                   : "");
        }
        if (err != AK_OK) {
                cli_table_free(t);
                return cli_fail(err, "devices");
        }
        cli_table_print(t, stdout);
        cli_table_free(t);
        return CLI_EXIT_OK;
}

static int devices_list(int argc, char **argv)
{
        struct ak_device_list list = {0};
        struct ak_vault *vault = NULL;
        struct ak_sync *sync = NULL;
        struct ak_client *client = NULL;
        bool json = false;
        enum ak_err err;
        int rc;

        if ((rc = cli_only_json("devices", argc, argv, &json)) != CLI_EXIT_OK)
                return rc;
        rc = open_devices("devices", &vault, &sync, &client);
        if (rc != CLI_EXIT_OK)
                goto done;
        err = ak_client_devices(client, ak_vault_device_id(vault), &list);
        if (err != AK_OK) {
                rc = devices_report(err, "devices", sync);
                goto done;
        }
        rc = json ? print_devices_json(&list) : print_devices_table(&list);
done:
        ak_device_list_clear(&list);
        ak_sync_free(sync);
        ak_vault_free(vault);
        return rc;
}

static int devices_remove(int argc, char **argv)
{
        static const struct option options[] = {{"force", no_argument, NULL, 'f'},
                                                {NULL, 0, NULL, 0}};
        struct ak_device_list list = {0};
        struct ak_vault *vault = NULL;
        struct ak_sync *sync = NULL;
        struct ak_client *client = NULL;
        const struct ak_device_entry *d;
        char label[AK_DEVICE_NAME_MAX + 48];
        bool force = false;
        size_t index;
        enum ak_err err;
        int opt, rc;

        opterr = 0;
        optind = 1;
        while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
                if (opt == 'f')
                        force = true;
                else
                        return cli_option_error("devices remove", opt, argv);
        }
        if (optind + 1 != argc)
                return cli_usage_error("devices remove", "give one DEVICE (its id or its name)");
        rc = open_devices("devices remove", &vault, &sync, &client);
        if (rc != CLI_EXIT_OK)
                goto done;
        err = ak_client_devices(client, ak_vault_device_id(vault), &list);
        if (err != AK_OK) {
                rc = devices_report(err, "devices remove", sync);
                goto done;
        }
        err = ak_device_list_find(&list, argv[optind], &index);
        if (err != AK_OK) {
                rc = cli_error("devices remove: %s (see 'authkeep devices'); nothing was removed",
                               err == AK_ERR_AMBIGUOUS
                                   ? "several devices have that name: give its id"
                                   : "the account has no such device");
                goto done;
        }
        d = &list.items[index];
        ak_sync_device_label(label, sizeof(label), d->id, d->name);
        err = ak_client_device_remove(client, d->id, force);
        if (err == AK_ERR_CONFLICT) {
                rc = cli_error("devices remove: %s is the account's last device; nothing was "
                               "removed (--force removes it)",
                               label);
                goto done;
        }
        if (err == AK_ERR_NOT_FOUND) {
                rc = cli_error("devices remove: the account has no device %s any more", label);
                goto done;
        }
        if (err != AK_OK) {
                rc = devices_report(err, "devices remove", sync);
                goto done;
        }
        cli_printf("Removed %s%s: its push key and its codes no longer work.\n", label,
                   d->this_device ? " (this device)" : "");
        rc = CLI_EXIT_OK;
done:
        ak_device_list_clear(&list);
        ak_sync_free(sync);
        ak_vault_free(vault);
        return rc;
}

int cmd_devices(int argc, char **argv)
{
        if (cli_help(argc, argv, devices_help))
                return CLI_EXIT_OK;
        if (argc > 1 && strcmp(argv[1], "remove") == 0)
                return devices_remove(argc - 1, argv + 1);
        return devices_list(argc, argv);
}
