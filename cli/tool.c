/*
 * The programs behind `authkeep`. Reading a code must start quickly, so the
 * authkeep program links only what its own commands need (libsodium,
 * libcrypto, jansson, libkeyutils). Two programs beside it carry the heavy
 * libraries, as git's helpers do:
 *   authkeep-import  import, export and add --qr (zbar, libpng, libjpeg,
 *                    libqrencode, SQLite), run in place of authkeep;
 *   authkeep-http    one HTTP exchange with the backup server (libcurl),
 *                    run by the backup engine's transport (cli/http_helper.c).
 * They are looked for next to the running program first (the build tree),
 * then in the folder they are installed to.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#ifndef AUTHKEEP_LIBEXECDIR
#define AUTHKEEP_LIBEXECDIR "/usr/local/libexec/authkeep"
#endif

bool cli_tool_path(char *out, size_t len, const char *name)
{
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

        if (n > 0) {
                char *slash;

                self[n] = '\0';
                slash = strrchr(self, '/');
                if (slash != NULL) {
                        *slash = '\0';
                        if ((size_t)snprintf(out, len, "%s/%s", self, name) < len &&
                            access(out, X_OK) == 0)
                                return true;
                }
        }
        return (size_t)snprintf(out, len, "%s/%s", AUTHKEEP_LIBEXECDIR, name) < len &&
               access(out, X_OK) == 0;
}

int cli_run_tool(const char *name, int argc, char **argv)
{
        char path[PATH_MAX];
        char **args;

        if (!cli_tool_path(path, sizeof(path), name))
                return cli_error("%s: the program %s is not installed (looked next to authkeep and "
                                 "in %s)",
                                 argv[0], name, AUTHKEEP_LIBEXECDIR);
        /* argv is the command's (argv[0] is its name): the tool gets "authkeep CMD ...". */
        args = calloc((size_t)argc + 2, sizeof(*args));
        if (args == NULL)
                return cli_fail(AK_ERR_NOMEM, argv[0]);
        args[0] = (char *)"authkeep";
        for (int i = 0; i < argc; i++)
                args[i + 1] = argv[i];
        fflush(stdout);
        fflush(stderr);
        execv(path, args);
        free(args);
        return cli_error("%s: running %s: %s", argv[0], path, strerror(errno));
}
