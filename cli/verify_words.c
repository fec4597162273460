/*
 * The words of verification after recovery and of alternate contacts
 * (cli/verify_words.h).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "backup_words.h"
#include "cli.h"
#include "verify_words.h"

int verify_open_device(struct ak_vault *vault, size_t index, const char *what, unsigned timeout_ms,
                       struct ak_sync **sync, struct ak_client **client)
{
        const struct ak_account *a = &ak_vault_accounts(vault)->items[index];
        struct ak_sync_status st;
        size_t own;
        enum ak_err err;

        *sync = NULL;
        *client = NULL;
        if (a->kind == AK_KIND_THIRD_PARTY)
                return cli_error("%s: %s is not an account of an authkeep server; only personal "
                                 "and work accounts are verified",
                                 what, a->name);
        if (a->kind != AK_KIND_PERSONAL)
                return cli_error("%s: %s is a work or school account: give its activation code "
                                 "(--activation CODE or --qr IMAGE)",
                                 what, a->name);
        if (ak_device_entry_added(vault, index)) {
                /* An account added with 'authkeep account add': its own server and device id. */
                struct ak_sync_options o;

                backup_options(&o, false);
                if (timeout_ms > 0)
                        o.client.timeout_ms = timeout_ms;
                err = ak_device_entry_client(client, vault, index, &o.client);
                return err == AK_OK ? CLI_EXIT_OK : cli_fail(err, what);
        }
        *sync = backup_engine(vault, false);
        if (*sync == NULL)
                return CLI_EXIT_FAIL;
        ak_sync_status(*sync, &st);
        if (st.state == AK_SYNC_OFF ||
            ak_device_personal_find(ak_vault_accounts(vault), st.server, st.email, &own) != AK_OK ||
            own != index) {
                ak_error_clear();
                return cli_error("%s: %s is not the account backup goes to on this device; turn "
                                 "backup on with it first ('authkeep backup on --server %s "
                                 "--email %s')",
                                 what, a->name, a->issuer, a->name);
        }
        err = ak_sync_device_client(*sync, timeout_ms, client);
        if (err != AK_OK)
                return cli_fail(err, what);
        return CLI_EXIT_OK;
}

int verify_report(enum ak_err err, const char *what)
{
        const char *detail = ak_error_detail();

        switch (err) {
        case AK_ERR_NOT_FOUND:
                return cli_error("%s: the server does not know this device (it was removed, or "
                                 "never registered); register it again with 'authkeep backup on' "
                                 "for the account backup goes to, or 'authkeep account add' for "
                                 "another",
                                 what);
        case AK_ERR_AUTH:
                if (strstr(detail, "waits for verification") != NULL)
                        return cli_error("%s: this device waits for verification itself; run "
                                         "'authkeep verify' first",
                                         what);
                return cli_error("%s: the password is not right; nothing was changed", what);
        case AK_ERR_UNSUPPORTED:
                return cli_error("%s: this server has no verification (it is too old)", what);
        default:
                return backup_report(err, what, "", 0, "");
        }
}

int verify_refusal(const struct ak_verify_result *r, const char *what, const char *query)
{
        switch (r->outcome) {
        case AK_VERIFY_WRONG_CODE:
                if (r->tries_left == 0)
                        return cli_error("%s: that is not the code, and it was the last try; ask "
                                         "for a new one",
                                         what);
                return cli_error("%s: that is not the code; %u %s left", what, r->tries_left,
                                 r->tries_left == 1 ? "try" : "tries");
        case AK_VERIFY_EXPIRED:
                return cli_error("%s: the code has expired, was used, or was tried too often; "
                                 "ask for a new one ('authkeep %s '%s'')",
                                 what, what, query);
        case AK_VERIFY_NO_CODE:
                return cli_error("%s: no code was sent for this yet; run 'authkeep %s '%s'' "
                                 "without --code first",
                                 what, what, query);
        case AK_VERIFY_NO_CONTACT:
                return cli_error("%s: the account has no alternate contact of that kind%s%s%s",
                                 what, *r->kinds ? " (it has: " : "", r->kinds,
                                 *r->kinds ? "; choose it with --send)" : "");
        case AK_VERIFY_TOO_SOON:
                return cli_error("%s: a code was sent a moment ago; wait %ld seconds before "
                                 "asking for another",
                                 what, r->retry_after);
        case AK_VERIFY_NOT_SENT:
                return cli_error("%s: the server could not send the code (%s); try again later",
                                 what, *r->detail ? r->detail : "no reason given");
        case AK_VERIFY_UNAVAILABLE:
                return cli_error("%s: this server cannot send codes of that kind; ask its "
                                 "administrator",
                                 what);
        case AK_VERIFY_EXISTS:
                return cli_error("%s: that is an alternate contact of the account already", what);
        case AK_VERIFY_TOO_MANY:
                return cli_error("%s: the account has %d alternate contacts, the most it may "
                                 "have; remove one first ('authkeep contacts remove VALUE')",
                                 what, AK_CONTACTS_MAX);
        default:
                return cli_error("%s: the server's answer was not expected", what);
        }
}

void verify_say_sent(const struct ak_verify_result *r)
{
        long long left = (long long)(r->expires_at - (int64_t)time(NULL));

        if (r->expires_at == 0 || left < 1)
                cli_printf("A code was sent to %s.\n", r->sent_to);
        else if (left >= 90)
                cli_printf("A code was sent to %s; it is valid for %lld minutes.\n", r->sent_to,
                           (left + 30) / 60);
        else
                cli_printf("A code was sent to %s; it is valid for %lld seconds.\n", r->sent_to,
                           left);
}
