/*
 * A program outside the tree, built against the installed libauthkeep:
 * prints the code of an otpauth:// URI at a time, as `authkeep code --at`.
 * Usage: uri_code URI UNIX_SECONDS
 */
#include <stdio.h>
#include <stdlib.h>

#include <authkeep/authkeep.h>

int main(int argc, char **argv)
{
        struct ak_account acct;
        char code[AK_CODE_MAX + 1];
        enum ak_err err;

        if (argc != 3 || ak_init() != AK_OK)
                return 2;
        ak_account_init(&acct);
        err = ak_uri_parse(&acct, argv[1]);
        if (err == AK_OK)
                err = ak_account_code(code, &acct, strtoll(argv[2], NULL, 10));
        ak_account_clear(&acct);
        if (err != AK_OK) {
                fprintf(stderr, "uri_code: %s\n", ak_strerror(err));
                return 1;
        }
        printf("%s %s\n", code, AK_VERSION);
        return 0;
}
