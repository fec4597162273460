/*
 * Zip archives, as Authenticator Plus (authplus.c) and WinAuth (winauth.c)
 * export them: read with libzip (Debian's; it opens both the traditional
 * PKWARE encryption and WinZip AES) from memory, an entry up to
 * AK_IMPORT_MAX_BYTES whatever size it claims.
 *
 * WinAuth's zip holds its text export as its only file. Auto-detection takes
 * a zip for WinAuth's when it holds exactly one file (directories aside)
 * and that file is either encrypted and named *.txt, or not encrypted and
 * holds, in its first 16 KiB, a line starting with otpauth://. A zip that
 * holds Authenticator Plus's files is Authenticator Plus's (apps.c asks
 * first).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>
#include <zip.h>
#include <zlib.h>

#include "apps.h"

bool ak__is_zip(const unsigned char *data, size_t len)
{
        return len >= 4 && memcmp(data, "PK\003\004", 4) == 0;
}

struct zip *ak__zip_open(const unsigned char *data, size_t len)
{
        zip_error_t ze;
        zip_source_t *src;
        zip_t *za;

        zip_error_init(&ze);
        src = zip_source_buffer_create(data, len, 0, &ze);
        if (src == NULL)
                return NULL;
        za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
        if (za == NULL)
                zip_source_free(src);
        zip_error_fini(&ze);
        return za;
}

/* What ZipCrypto makes of a wrong password, or a damaged entry. */
static enum ak_err garbled(void)
{
        return ak__fail(AK_ERR_IMPORT_PASSWORD,
                        "the archive does not open with this password (or it is damaged)");
}

/* Why entry `zf` cannot be read further. */
static enum ak_err read_error(zip_file_t *zf)
{
        int ze = zip_error_code_zip(zip_file_get_error(zf));

        /*
         * ZipCrypto checks a password against one byte only: one wrong
         * password in 256 opens the entry, and then its data does not
         * inflate or fails its CRC.
         */
        if (ze == ZIP_ER_CRC || ze == ZIP_ER_COMPRESSED_DATA || ze == ZIP_ER_ZLIB)
                return garbled();
        return ak__fail(AK_ERR_FORMAT, "the archive's entry cannot be read");
}

/* Why an entry of `za` does not open. */
static enum ak_err open_error(zip_t *za)
{
        int ze = zip_error_code_zip(zip_get_error(za));

        if (ze == ZIP_ER_WRONGPASSWD)
                return ak__fail(AK_ERR_IMPORT_PASSWORD,
                                "the archive does not open with this password");
        if (ze == ZIP_ER_NOPASSWD)
                return ak__fail(AK_ERR_IMPORT_PASSWORD, "a password is needed");
        if (ze == ZIP_ER_ENCRNOTSUPP || ze == ZIP_ER_COMPNOTSUPP)
                return ak__fail(AK_ERR_UNSUPPORTED,
                                "the archive's encryption or compression is not supported");
        return ak__fail(AK_ERR_FORMAT, "the archive's entry cannot be read");
}

/*
 * Doubles *buf (of *cap bytes + 1, `n` of them used) when it is full, up to
 * AK_IMPORT_MAX_BYTES; the old one is wiped.
 */
static enum ak_err grow(unsigned char **buf, size_t *cap, size_t n)
{
        unsigned char *grown;

        if (n < *cap)
                return AK_OK;
        if (*cap >= AK_IMPORT_MAX_BYTES)
                return ak__fail(AK_ERR_LIMIT, "an entry larger than %u bytes",
                                AK_IMPORT_MAX_BYTES);
        grown = malloc(*cap * 2 + 1);
        if (grown == NULL)
                return AK_ERR_NOMEM;
        memcpy(grown, *buf, n);
        ak__free_secret(*buf, *cap + 1);
        *buf = grown;
        *cap *= 2;
        return AK_OK;
}

/* Hands *buf (of cap + 1 bytes, `n` used) to the caller NUL-terminated, or wipes it after `rc`. */
static enum ak_err hand_over(unsigned char **out, size_t *out_len, unsigned char *buf, size_t cap,
                             size_t n, enum ak_err rc)
{
        if (rc != AK_OK) {
                ak__free_secret(buf, cap + 1);
                return rc;
        }
        buf[n] = '\0';
        *out = buf;
        *out_len = n;
        return AK_OK;
}

/* Reads what `zf` gives, up to AK_IMPORT_MAX_BYTES. */
static enum ak_err read_all(unsigned char **out, size_t *out_len, zip_file_t *zf)
{
        size_t cap = 64 * 1024, n = 0;
        unsigned char *buf = malloc(cap + 1);
        enum ak_err rc = AK_OK;

        if (buf == NULL)
                return AK_ERR_NOMEM;
        for (;;) {
                zip_int64_t got;
                rc = grow(&buf, &cap, n);
                if (rc != AK_OK)
                        break;
                got = zip_fread(zf, buf + n, cap - n);
                if (got < 0)
                        rc = read_error(zf);
                if (got <= 0)
                        break;
                n += (size_t)got;
        }
        return hand_over(out, out_len, buf, cap, n, rc);
}

/* Inflates raw deflate data, up to AK_IMPORT_MAX_BYTES. */
static enum ak_err inflate_all(unsigned char **out, size_t *out_len, const unsigned char *in,
                               size_t in_len)
{
        size_t cap = 64 * 1024, n = 0;
        unsigned char *buf = malloc(cap + 1);
        z_stream zs;
        enum ak_err rc = AK_OK;
        int z = Z_OK;

        if (buf == NULL)
                return AK_ERR_NOMEM;
        memset(&zs, 0, sizeof(zs));
        if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) {
                ak__free_secret(buf, cap + 1);
                return AK_ERR_NOMEM;
        }
        zs.next_in = (unsigned char *)in;
        zs.avail_in = (uInt)in_len;
        while (z == Z_OK) {
                rc = grow(&buf, &cap, n);
                if (rc != AK_OK)
                        break;
                zs.next_out = buf + n;
                zs.avail_out = (uInt)(cap - n);
                z = inflate(&zs, Z_NO_FLUSH);
                n = cap - zs.avail_out;
        }
        if (rc == AK_OK && z != Z_STREAM_END)
                rc = z == Z_MEM_ERROR ? AK_ERR_NOMEM : garbled();
        inflateEnd(&zs);
        return hand_over(out, out_len, buf, cap, n, rc);
}

/*
 * Whether entry `i` is deflated and encrypted with WinZip AES without a CRC,
 * as AE-2 (7-Zip's) writes it: Debian's libzip 1.7 still checks the CRC of
 * such an entry of 20 bytes or more, and fails. Its data is then read
 * decrypted but still deflated (libzip checks its HMAC) and inflated here.
 */
static bool aes_without_crc(zip_t *za, int64_t i)
{
        zip_stat_t st;

        zip_stat_init(&st);
        if (zip_stat_index(za, (zip_uint64_t)i, 0, &st) != 0)
                return false;
        return (st.valid & ZIP_STAT_ENCRYPTION_METHOD) && (st.valid & ZIP_STAT_CRC) &&
               (st.valid & ZIP_STAT_COMP_METHOD) &&
               (st.encryption_method == ZIP_EM_AES_128 || st.encryption_method == ZIP_EM_AES_192 ||
                st.encryption_method == ZIP_EM_AES_256) &&
               st.crc == 0 && st.comp_method == ZIP_CM_DEFLATE;
}

enum ak_err ak__zip_read(unsigned char **out, size_t *out_len, struct zip *za, int64_t i,
                         const char *password)
{
        bool raw = aes_without_crc(za, i);
        zip_file_t *zf = zip_fopen_index_encrypted(za, (zip_uint64_t)i, raw ? ZIP_FL_COMPRESSED : 0,
                                                   password);
        unsigned char *deflated = NULL;
        size_t deflated_len = 0;
        enum ak_err rc;

        if (zf == NULL)
                return open_error(za);
        rc = read_all(raw ? &deflated : out, raw ? &deflated_len : out_len, zf);
        zip_fclose(zf);
        if (rc != AK_OK || !raw)
                return rc;
        rc = inflate_all(out, out_len, deflated, deflated_len);
        ak__free_secret(deflated, deflated_len + 1);
        return rc;
}

/* The index of the archive's only file (directories aside); -1 when it holds none or several. */
static zip_int64_t lone_file(zip_t *za)
{
        zip_int64_t count = zip_get_num_entries(za, 0), found = -1;

        for (zip_int64_t i = 0; i < count; i++) {
                const char *name = zip_get_name(za, (zip_uint64_t)i, 0);
                size_t n = name ? strlen(name) : 0;
                if (n > 0 && name[n - 1] == '/')
                        continue;
                if (found >= 0)
                        return -1;
                found = i;
        }
        return found;
}

/* Whether a line of `text` starts (after a byte order mark and blanks) with otpauth://. */
static bool has_uri_line(const unsigned char *text, size_t len)
{
        size_t at = 0;

        if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
                at = 3;
        while (at < len) {
                const unsigned char *nl;
                while (at < len && (text[at] == ' ' || text[at] == '\t' || text[at] == '\r'))
                        at++;
                if (len - at >= 10 && strncasecmp((const char *)text + at, "otpauth://", 10) == 0)
                        return true;
                nl = memchr(text + at, '\n', len - at);
                if (nl == NULL)
                        break;
                at = (size_t)(nl - text) + 1;
        }
        return false;
}

/* The archive's only file and its name and encryption in *st; false when there is not one. */
static bool lone_stat(zip_t *za, zip_int64_t *i, zip_stat_t *st)
{
        *i = lone_file(za);
        zip_stat_init(st);
        return *i >= 0 && zip_stat_index(za, (zip_uint64_t)*i, 0, st) == 0 &&
               (st->valid & ZIP_STAT_NAME) && (st->valid & ZIP_STAT_ENCRYPTION_METHOD);
}

bool ak__winauth_zip_is(const unsigned char *data, size_t len, bool *encrypted)
{
        zip_t *za = ak__zip_open(data, len);
        zip_int64_t i;
        zip_stat_t st;
        bool yes = false;

        *encrypted = false;
        if (za == NULL)
                return false;
        if (lone_stat(za, &i, &st) && st.encryption_method != ZIP_EM_NONE) {
                size_t n = strlen(st.name);
                *encrypted = true;
                yes = n > 4 && strcasecmp(st.name + n - 4, ".txt") == 0;
        } else if (i >= 0) {
                /* Its first 16 KiB tell, whatever the file's size. */
                unsigned char head[16 * 1024];
                zip_file_t *zf = zip_fopen_index(za, (zip_uint64_t)i, 0);
                zip_int64_t got = zf ? zip_fread(zf, head, sizeof(head)) : -1;
                yes = got > 0 && has_uri_line(head, (size_t)got);
                sodium_memzero(head, sizeof(head));
                if (zf != NULL)
                        zip_fclose(zf);
        }
        zip_discard(za);
        return yes;
}

bool ak__zip_encrypted(const unsigned char *data, size_t len)
{
        zip_t *za = ak__zip_open(data, len);
        zip_int64_t i;
        zip_stat_t st;
        bool yes;

        if (za == NULL)
                return false;
        yes = lone_stat(za, &i, &st) && st.encryption_method != ZIP_EM_NONE;
        zip_discard(za);
        return yes;
}

enum ak_err ak__zip_lone_file(unsigned char **out, size_t *out_len, const unsigned char *data,
                              size_t len, const char *password)
{
        zip_t *za = ak__zip_open(data, len);
        zip_int64_t i;
        enum ak_err rc;

        if (za == NULL)
                return ak__fail(AK_ERR_FORMAT, "not a readable zip archive");
        i = lone_file(za);
        if (i < 0) {
                zip_discard(za);
                return ak__fail(AK_ERR_FORMAT, "the archive does not hold exactly one file");
        }
        rc = ak__zip_read(out, out_len, za, i, password);
        zip_discard(za);
        return rc;
}
