/*
 * libcurl and zbar loaded on first use, for the authkeep program only.
 *
 * Every start of a shared library costs: libcurl brings some thirty more
 * (TLS, Kerberos, LDAP, HTTP/2, compression) and zbar twenty (X11, D-Bus,
 * video), about 8 ms of loading and relocation at every start of authkeep.
 * Only backup, recover, import and add --qr need them; `authkeep code` must
 * start as fast as oathtool. So the program is not linked against them
 * (cli/meson.build): each function libauthkeep calls is defined here, and
 * its first call loads the library with dlopen and finds the real function.
 *
 * These definitions are not exported (an executable exports only what a
 * library linked with it refers to), so the libraries' own calls between
 * their functions still reach their own. A library that cannot be loaded
 * ends the program with one line on stderr.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define CURL_DISABLE_TYPECHECK 1 /* curl.h would make curl_easy_setopt a macro */
#include <curl/curl.h>
#include <zbar.h>

#include "cli.h"

struct lazy_lib {
        const char *soname;
        void *handle;
};

static struct lazy_lib curl_lib = {"libcurl.so.4", NULL};
static struct lazy_lib zbar_lib = {"libzbar.so.0", NULL};

/* The address of `name` in `lib`, loading it first; exits when either fails. */
static void *lazy_symbol(struct lazy_lib *lib, const char *name)
{
        void *sym;

        if (lib->handle == NULL) {
                lib->handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
                if (lib->handle == NULL) {
                        fflush(stdout);
                        fprintf(stderr, "authkeep: cannot load %s: %s\n", lib->soname, dlerror());
                        exit(CLI_EXIT_FAIL);
                }
        }
        sym = dlsym(lib->handle, name);
        if (sym == NULL) {
                fflush(stdout);
                fprintf(stderr, "authkeep: %s has no %s: %s\n", lib->soname, name, dlerror());
                exit(CLI_EXIT_FAIL);
        }
        return sym;
}

/* Defines `name` to call the real one, found on its first call. */
#define LAZY(lib, ret, name, params, args)                                                         \
        ret name params                                                                            \
        {                                                                                          \
                static ret(*real) params;                                                          \
                if (real == NULL)                                                                  \
                        *(void **)&real = lazy_symbol(&lib, #name);                                \
                return real args;                                                                  \
        }
#define LAZY_VOID(lib, name, params, args)                                                         \
        void name params                                                                           \
        {                                                                                          \
                static void(*real) params;                                                         \
                if (real == NULL)                                                                  \
                        *(void **)&real = lazy_symbol(&lib, #name);                                \
                real args;                                                                         \
        }

LAZY(curl_lib, CURL *, curl_easy_init, (void), ())
LAZY_VOID(curl_lib, curl_easy_cleanup, (CURL * curl), (curl))
LAZY_VOID(curl_lib, curl_easy_reset, (CURL * curl), (curl))
LAZY(curl_lib, CURLcode, curl_easy_perform, (CURL * curl), (curl))
LAZY(curl_lib, const char *, curl_easy_strerror, (CURLcode code), (code))
LAZY_VOID(curl_lib, curl_free, (void *p), (p))
LAZY(curl_lib, struct curl_slist *, curl_slist_append, (struct curl_slist * list, const char *data),
     (list, data))
LAZY_VOID(curl_lib, curl_slist_free_all, (struct curl_slist * list), (list))
LAZY(curl_lib, CURLU *, curl_url, (void), ())
LAZY_VOID(curl_lib, curl_url_cleanup, (CURLU * url), (url))
LAZY(curl_lib, CURLUcode, curl_url_get,
     (CURLU * url, CURLUPart what, char **part, unsigned int flags), (url, what, part, flags))
LAZY(curl_lib, CURLUcode, curl_url_set,
     (CURLU * url, CURLUPart what, const char *part, unsigned int flags), (url, what, part, flags))

/*
 * The two variadic functions: an option's number tells the type of its one
 * argument (curl.h, CURLOPTTYPE_*); information is always written through a
 * pointer.
 */
CURLcode curl_easy_setopt(CURL *curl, CURLoption option, ...)
{
        static CURLcode (*real)(CURL *, CURLoption, ...);
        va_list ap;
        CURLcode rc;

        if (real == NULL)
                *(void **)&real = lazy_symbol(&curl_lib, "curl_easy_setopt");
        va_start(ap, option);
        if (option < CURLOPTTYPE_OBJECTPOINT)
                rc = real(curl, option, va_arg(ap, long));
        else if (option >= CURLOPTTYPE_OFF_T && option < CURLOPTTYPE_BLOB)
                rc = real(curl, option, va_arg(ap, curl_off_t));
        else /* object, string, list and callback pointers, blobs */
                rc = real(curl, option, va_arg(ap, void *));
        va_end(ap);
        return rc;
}

CURLcode curl_easy_getinfo(CURL *curl, CURLINFO info, ...)
{
        static CURLcode (*real)(CURL *, CURLINFO, ...);
        va_list ap;
        CURLcode rc;

        if (real == NULL)
                *(void **)&real = lazy_symbol(&curl_lib, "curl_easy_getinfo");
        va_start(ap, info);
        rc = real(curl, info, va_arg(ap, void *));
        va_end(ap);
        return rc;
}

LAZY(zbar_lib, zbar_image_scanner_t *, zbar_image_scanner_create, (void), ())
LAZY_VOID(zbar_lib, zbar_image_scanner_destroy, (zbar_image_scanner_t * scanner), (scanner))
LAZY(zbar_lib, int, zbar_image_scanner_set_config,
     (zbar_image_scanner_t * scanner, zbar_symbol_type_t symbology, zbar_config_t config,
      int value),
     (scanner, symbology, config, value))
LAZY(zbar_lib, zbar_image_t *, zbar_image_create, (void), ())
LAZY_VOID(zbar_lib, zbar_image_destroy, (zbar_image_t * image), (image))
LAZY_VOID(zbar_lib, zbar_image_set_format, (zbar_image_t * image, unsigned long format),
          (image, format))
LAZY_VOID(zbar_lib, zbar_image_set_size, (zbar_image_t * image, unsigned width, unsigned height),
          (image, width, height))
LAZY_VOID(zbar_lib, zbar_image_set_data,
          (zbar_image_t * image, const void *data, unsigned long len,
           zbar_image_cleanup_handler_t *cleanup),
          (image, data, len, cleanup))
LAZY(zbar_lib, int, zbar_scan_image, (zbar_image_scanner_t * scanner, zbar_image_t *image),
     (scanner, image))
LAZY(zbar_lib, const zbar_symbol_t *, zbar_image_first_symbol, (const zbar_image_t *image), (image))
LAZY(zbar_lib, const zbar_symbol_t *, zbar_symbol_next, (const zbar_symbol_t *symbol), (symbol))
LAZY(zbar_lib, zbar_symbol_type_t, zbar_symbol_get_type, (const zbar_symbol_t *symbol), (symbol))
LAZY(zbar_lib, const char *, zbar_symbol_get_data, (const zbar_symbol_t *symbol), (symbol))
LAZY(zbar_lib, unsigned int, zbar_symbol_get_data_length, (const zbar_symbol_t *symbol), (symbol))
