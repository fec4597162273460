/*
 * libcurl, zbar, libpng, libjpeg, libqrencode, SQLite and libcrypto's
 * big numbers and EVP interface loaded on first use, for the authkeep
 * program only.
 *
 * Every shared library costs at each start: libcurl brings some thirty more
 * (TLS, Kerberos, LDAP, HTTP/2, compression) and zbar twenty (X11, D-Bus,
 * video), about 8 ms of loading and relocation at every start of authkeep;
 * linked statically, SQLite, libpng and libjpeg still brought 19,000
 * relocations, as did libcrypto's EVP interface (its providers' tables)
 * linked statically. Only backup, recover, import, export and the QR
 * options need them (the SRP sign-in and the imports' ciphers); `authkeep code` must start as fast
 * as oathtool. So the program is not linked against them (cli/meson.build): each function
 * libauthkeep calls is defined here, and its first call loads the library with dlopen and finds the
 * real function. (The SHA-1/SHA-256/SHA-512 block functions the codes use stay linked in
 * statically: they keep no state, so the two copies of libcrypto never share an object.)
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
#include <jpeglib.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <png.h>
#include <qrencode.h>
#include <sqlite3.h>
#include <zbar.h>

#include "cli.h"

struct lazy_lib {
        const char *soname;
        void *handle;
};

static struct lazy_lib curl_lib = {"libcurl.so.4", NULL};
static struct lazy_lib zbar_lib = {"libzbar.so.0", NULL};
static struct lazy_lib png_lib = {"libpng16.so.16", NULL};
static struct lazy_lib jpeg_lib = {"libjpeg.so.62", NULL};
static struct lazy_lib qrencode_lib = {"libqrencode.so.4", NULL};
static struct lazy_lib sqlite_lib = {"libsqlite3.so.0", NULL};
static struct lazy_lib crypto_lib = {"libcrypto.so.3", NULL};

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

LAZY(png_lib, int, png_image_begin_read_from_memory,
     (png_imagep image, png_const_voidp memory, size_t size), (image, memory, size))
LAZY(png_lib, int, png_image_finish_read,
     (png_imagep image, png_const_colorp background, void *buffer, png_int_32 row_stride,
      void *colormap),
     (image, background, buffer, row_stride, colormap))
LAZY_VOID(png_lib, png_image_free, (png_imagep image), (image))
LAZY(png_lib, int, png_image_write_to_memory,
     (png_imagep image, void *memory, png_alloc_size_t *PNG_RESTRICT memory_bytes,
      int convert_to_8_bit, const void *buffer, png_int_32 row_stride, const void *colormap),
     (image, memory, memory_bytes, convert_to_8_bit, buffer, row_stride, colormap))

LAZY(jpeg_lib, struct jpeg_error_mgr *, jpeg_std_error, (struct jpeg_error_mgr * err), (err))
LAZY_VOID(jpeg_lib, jpeg_CreateDecompress, (j_decompress_ptr cinfo, int version, size_t size),
          (cinfo, version, size))
LAZY_VOID(jpeg_lib, jpeg_destroy_decompress, (j_decompress_ptr cinfo), (cinfo))
LAZY_VOID(jpeg_lib, jpeg_mem_src,
          (j_decompress_ptr cinfo, const unsigned char *buffer, unsigned long size),
          (cinfo, buffer, size))
LAZY(jpeg_lib, int, jpeg_read_header, (j_decompress_ptr cinfo, boolean require_image),
     (cinfo, require_image))
LAZY(jpeg_lib, boolean, jpeg_start_decompress, (j_decompress_ptr cinfo), (cinfo))
LAZY(jpeg_lib, JDIMENSION, jpeg_read_scanlines,
     (j_decompress_ptr cinfo, JSAMPARRAY scanlines, JDIMENSION max_lines),
     (cinfo, scanlines, max_lines))
LAZY(jpeg_lib, boolean, jpeg_finish_decompress, (j_decompress_ptr cinfo), (cinfo))

LAZY(qrencode_lib, QRcode *, QRcode_encodeString8bit,
     (const char *string, int version, QRecLevel level), (string, version, level))
LAZY_VOID(qrencode_lib, QRcode_free, (QRcode * qrcode), (qrcode))

LAZY(sqlite_lib, int, sqlite3_open_v2,
     (const char *filename, sqlite3 **db, int flags, const char *vfs), (filename, db, flags, vfs))
LAZY(sqlite_lib, int, sqlite3_close, (sqlite3 * db), (db))
LAZY(sqlite_lib, const char *, sqlite3_errmsg, (sqlite3 * db), (db))
LAZY(sqlite_lib, int, sqlite3_exec,
     (sqlite3 * db, const char *sql, int (*callback)(void *, int, char **, char **), void *arg,
      char **errmsg),
     (db, sql, callback, arg, errmsg))
LAZY_VOID(sqlite_lib, sqlite3_progress_handler,
          (sqlite3 * db, int steps, int (*handler)(void *), void *arg), (db, steps, handler, arg))
LAZY(sqlite_lib, int, sqlite3_prepare_v2,
     (sqlite3 * db, const char *sql, int bytes, sqlite3_stmt **stmt, const char **tail),
     (db, sql, bytes, stmt, tail))
LAZY(sqlite_lib, int, sqlite3_step, (sqlite3_stmt * stmt), (stmt))
LAZY(sqlite_lib, sqlite3_int64, sqlite3_column_int64, (sqlite3_stmt * stmt, int column),
     (stmt, column))
LAZY(sqlite_lib, const unsigned char *, sqlite3_column_text, (sqlite3_stmt * stmt, int column),
     (stmt, column))
LAZY(sqlite_lib, int, sqlite3_finalize, (sqlite3_stmt * stmt), (stmt))

LAZY(crypto_lib, BIGNUM *, BN_new, (void), ())
LAZY(crypto_lib, BIGNUM *, BN_secure_new, (void), ())
LAZY_VOID(crypto_lib, BN_free, (BIGNUM * a), (a))
LAZY_VOID(crypto_lib, BN_clear_free, (BIGNUM * a), (a))
LAZY(crypto_lib, BN_CTX *, BN_CTX_secure_new, (void), ())
LAZY_VOID(crypto_lib, BN_CTX_free, (BN_CTX * ctx), (ctx))
LAZY_VOID(crypto_lib, BN_set_flags, (BIGNUM * b, int n), (b, n))
LAZY(crypto_lib, int, BN_set_word, (BIGNUM * a, BN_ULONG w), (a, w))
LAZY(crypto_lib, BIGNUM *, BN_bin2bn, (const unsigned char *s, int len, BIGNUM *ret), (s, len, ret))
LAZY(crypto_lib, int, BN_bn2bin, (const BIGNUM *a, unsigned char *to), (a, to))
LAZY(crypto_lib, int, BN_bn2binpad, (const BIGNUM *a, unsigned char *to, int tolen), (a, to, tolen))
LAZY(crypto_lib, int, BN_hex2bn, (BIGNUM * *a, const char *str), (a, str))
LAZY(crypto_lib, int, BN_num_bits, (const BIGNUM *a), (a))
LAZY(crypto_lib, int, BN_is_zero, (const BIGNUM *a), (a))
LAZY(crypto_lib, int, BN_cmp, (const BIGNUM *a, const BIGNUM *b), (a, b))
LAZY(crypto_lib, int, BN_add, (BIGNUM * r, const BIGNUM *a, const BIGNUM *b), (r, a, b))
LAZY(crypto_lib, int, BN_mul, (BIGNUM * r, const BIGNUM *a, const BIGNUM *b, BN_CTX *ctx),
     (r, a, b, ctx))
LAZY(crypto_lib, int, BN_nnmod, (BIGNUM * r, const BIGNUM *a, const BIGNUM *m, BN_CTX *ctx),
     (r, a, m, ctx))
LAZY(crypto_lib, int, BN_mod_add,
     (BIGNUM * r, const BIGNUM *a, const BIGNUM *b, const BIGNUM *m, BN_CTX *ctx),
     (r, a, b, m, ctx))
LAZY(crypto_lib, int, BN_mod_sub,
     (BIGNUM * r, const BIGNUM *a, const BIGNUM *b, const BIGNUM *m, BN_CTX *ctx),
     (r, a, b, m, ctx))
LAZY(crypto_lib, int, BN_mod_mul,
     (BIGNUM * r, const BIGNUM *a, const BIGNUM *b, const BIGNUM *m, BN_CTX *ctx),
     (r, a, b, m, ctx))
LAZY(crypto_lib, int, BN_mod_exp,
     (BIGNUM * r, const BIGNUM *a, const BIGNUM *p, const BIGNUM *m, BN_CTX *ctx),
     (r, a, p, m, ctx))

LAZY(crypto_lib, const EVP_MD *, EVP_sha1, (void), ())
LAZY(crypto_lib, const EVP_MD *, EVP_sha256, (void), ())
LAZY(crypto_lib, const EVP_MD *, EVP_get_digestbyname, (const char *name), (name))
LAZY(crypto_lib, int, EVP_MD_get_size, (const EVP_MD *md), (md))
LAZY(crypto_lib, EVP_MD_CTX *, EVP_MD_CTX_new, (void), ())
LAZY_VOID(crypto_lib, EVP_MD_CTX_free, (EVP_MD_CTX * ctx), (ctx))
LAZY(crypto_lib, int, EVP_DigestInit_ex, (EVP_MD_CTX * ctx, const EVP_MD *type, ENGINE *impl),
     (ctx, type, impl))
LAZY(crypto_lib, int, EVP_DigestUpdate, (EVP_MD_CTX * ctx, const void *d, size_t cnt),
     (ctx, d, cnt))
LAZY(crypto_lib, int, EVP_DigestFinal_ex, (EVP_MD_CTX * ctx, unsigned char *md, unsigned int *s),
     (ctx, md, s))
LAZY(crypto_lib, int, EVP_Digest,
     (const void *data, size_t count, unsigned char *md, unsigned int *size, const EVP_MD *type,
      ENGINE *impl),
     (data, count, md, size, type, impl))
LAZY(crypto_lib, const EVP_CIPHER *, EVP_aes_256_gcm, (void), ())
LAZY(crypto_lib, EVP_CIPHER_CTX *, EVP_CIPHER_CTX_new, (void), ())
LAZY_VOID(crypto_lib, EVP_CIPHER_CTX_free, (EVP_CIPHER_CTX * ctx), (ctx))
LAZY(crypto_lib, int, EVP_CIPHER_CTX_ctrl, (EVP_CIPHER_CTX * ctx, int type, int arg, void *ptr),
     (ctx, type, arg, ptr))
LAZY(crypto_lib, int, EVP_CipherInit_ex,
     (EVP_CIPHER_CTX * ctx, const EVP_CIPHER *cipher, ENGINE *impl, const unsigned char *key,
      const unsigned char *iv, int enc),
     (ctx, cipher, impl, key, iv, enc))
LAZY(crypto_lib, int, EVP_CipherUpdate,
     (EVP_CIPHER_CTX * ctx, unsigned char *out, int *outl, const unsigned char *in, int inl),
     (ctx, out, outl, in, inl))
LAZY(crypto_lib, int, EVP_CipherFinal_ex, (EVP_CIPHER_CTX * ctx, unsigned char *out, int *outl),
     (ctx, out, outl))
LAZY(crypto_lib, int, PKCS5_PBKDF2_HMAC,
     (const char *pass, int passlen, const unsigned char *salt, int saltlen, int iter,
      const EVP_MD *digest, int keylen, unsigned char *out),
     (pass, passlen, salt, saltlen, iter, digest, keylen, out))
