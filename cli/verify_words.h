/*
 * What authkeep verify and authkeep contacts share (cli/verify_words.c):
 * reaching the server of a personal entry as this device, and the words
 * for each outcome of a verification call.
 */
#ifndef AUTHKEEP_CLI_VERIFY_WORDS_H
#define AUTHKEEP_CLI_VERIFY_WORDS_H

#include "authkeep/authkeep.h"

/*
 * The engine and a client for this device's calls about the personal entry
 * `index` (the account backup goes to, or one added with 'authkeep account
 * add': then a client of its server and no engine); prints the error
 * itself. Free both (ak_client_free, ak_sync_free) whatever it returns.
 */
int verify_open_device(struct ak_vault *vault, size_t index, const char *what, unsigned timeout_ms,
                       struct ak_sync **sync, struct ak_client **client);

/* The one line for a failed call; CLI_EXIT_FAIL. */
int verify_report(enum ak_err err, const char *what);

/* The one line for an outcome that is a refusal (`query` names the entry); CLI_EXIT_FAIL. */
int verify_refusal(const struct ak_verify_result *r, const char *what, const char *query);

/* "A code was sent to a***@example.com; it is valid for 10 minutes." */
void verify_say_sent(const struct ak_verify_result *r);

#endif
