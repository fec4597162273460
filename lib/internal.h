/*
 * Helpers shared across libauthkeep's files (ak__ prefix). Not installed,
 * not part of the public API; unit tests may include it.
 */
#ifndef AUTHKEEP_INTERNAL_H
#define AUTHKEEP_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "authkeep/err.h"

#define AK__WUR __attribute__((warn_unused_result))
#define AK__PRINTF(a, b) __attribute__((format(printf, a, b)))

/*
 * Records a detail for the current failure (see ak_error_detail()) and
 * returns `err`, so callers can write `return ak__fail(AK_ERR_URI, "...")`.
 * The detail must never hold a secret.
 */
enum ak_err ak__fail(enum ak_err err, const char *fmt, ...) AK__PRINTF(2, 3);

/* Like strdup(); NULL on NULL or out of memory. */
char *ak__strdup(const char *s);
char *ak__strndup(const char *s, size_t n);

/* Frees a string after wiping it; accepts NULL. */
void ak__free_secret_str(char *s);
/* Frees a buffer after wiping `len` bytes; accepts NULL. */
void ak__free_secret(void *p, size_t len);

/*
 * Argon2id (libsodium's crypto_pwhash, ALG_ARGON2ID13) of `secret`, after
 * calling the program's notice (ak_kdf_set_notice, lib/kdf.c). 0 or -1, as
 * crypto_pwhash.
 */
int ak__argon2id(unsigned char *out, size_t out_len, const char *secret, size_t secret_len,
                 const unsigned char *salt, uint64_t opslimit, size_t memlimit);

/* Fills `out` with a random lowercase hex id of `nbytes` bytes (2*nbytes chars + NUL). */
void ak__random_hex(char *out, size_t nbytes);

/*
 * Writes `len` bytes to `path` atomically: a temporary file in the same
 * folder, fsync, rename over `path`, fsync the folder. The file is created
 * with `mode` (0600 for anything that holds a secret). On failure `path` is
 * unchanged. (lib/fileio.c)
 */
enum ak_err ak__write_file_atomic(const char *path, const void *data, size_t len,
                                  unsigned mode) AK__WUR;

/*
 * Reads a whole file of at most `max` bytes into a new NUL-terminated buffer.
 * *out is freed by the caller (ak__free_secret when it may hold a secret).
 * AK_ERR_NOT_FOUND when absent, AK_ERR_LIMIT when larger than `max`. (lib/fileio.c)
 */
enum ak_err ak__read_file(char **out, size_t *len, const char *path, size_t max) AK__WUR;

/*
 * Opens a regular file for reading into *fd (never hanging on a FIFO) and
 * fills *st. AK_ERR_NOT_FOUND when absent, AK_ERR_IO otherwise. (lib/fileio.c)
 */
struct stat;
enum ak_err ak__open_regular(int *fd, struct stat *st, const char *path) AK__WUR;
/* One read(2) of at most `n` bytes, retried on EINTR; *got is 0 at the end of the file. */
enum ak_err ak__read_fd(int fd, void *buf, size_t n, size_t *got, const char *path) AK__WUR;

/* The folder `path` lies in, malloc'd ("." when it names none); NULL when out of memory. */
char *ak__folder_of(const char *path);

/* Creates `path` and missing parents with mode 0700 (existing folders are left as they are). */
enum ak_err ak__mkdir_p(const char *path) AK__WUR;

/*
 * The one growable buffer (lib/buf.c). Start from {0}. It is always
 * NUL-terminated past `len`, wipes every block it drops, and after a failed
 * allocation sets `failed` and ignores later writes: check once at the end.
 */
struct ak__buf {
        char *data;
        size_t len;
        size_t cap;
        bool failed;
};
/* Makes room for `more` bytes and a NUL; false (and `failed`) when it cannot. */
bool ak__buf_reserve(struct ak__buf *b, size_t more);
void ak__buf_add(struct ak__buf *b, const void *p, size_t n);
void ak__buf_lit(struct ak__buf *b, const char *s);
void ak__buf_fmt(struct ak__buf *b, const char *fmt, ...) AK__PRINTF(2, 3);
/* Appends `s` as a quoted, escaped JSON string (`s` must be valid UTF-8; NULL is ""). */
void ak__buf_json_str(struct ak__buf *b, const char *s);
/* Appends `n` bytes as standard base64 with padding (libsodium's), unquoted. */
void ak__buf_b64(struct ak__buf *b, const unsigned char *bin, size_t n);
/*
 * Hands the NUL-terminated data to the caller (who wipes and frees it) and
 * empties the buffer; NULL (and the buffer freed) when a write had failed.
 */
char *ak__buf_take(struct ak__buf *b, size_t *len) AK__WUR;
/* Wipes the whole capacity and frees; the buffer may be used again. */
void ak__buf_free(struct ak__buf *b);

/*
 * The one non-cryptographic hash (FNV-1a, 64 bits; lib/text.c), for hash
 * tables of ids and labels. Start from AK__HASH_SEED; `fold_case` hashes
 * ASCII letters as lower case. Never for anything an attacker must not
 * collide on purpose beyond making a table slower.
 */
#define AK__HASH_SEED 0xcbf29ce484222325ULL
uint64_t ak__hash(uint64_t h, const void *p, size_t n, bool fold_case);

/*
 * Percent-decodes `len` bytes of `in` into a new NUL-terminated string in
 * *out (free it with ak__free_secret_str: it may hold a secret);
 * `plus_is_space` for form-encoded values. A bad escape or an encoded NUL
 * is AK_ERR_URI naming `field` (lib/uri.c).
 */
enum ak_err ak__percent_decode(char **out, const char *in, size_t len, bool plus_is_space,
                               const char *field) AK__WUR;

/*
 * The one base64 decoder (lib/text.c; libsodium's, standard alphabet).
 * ak__b64_exact: `text` (all `text_len` bytes, padded) must give exactly
 * `len` bytes; false otherwise (`out` may then be partly written: wipe it
 * if it matters). ak__b64_decode: into a new buffer of at most `max` bytes
 * (wipe and free it with ak__free_secret(*out, *out_len)); `lenient` also
 * takes white space and missing padding, as other apps' exports need.
 * AK_ERR_FORMAT when malformed, AK_ERR_LIMIT over `max`, AK_ERR_NOMEM. No
 * detail is recorded: the caller names the field.
 */
bool ak__b64_exact(unsigned char *out, size_t len, const char *text, size_t text_len) AK__WUR;
enum ak_err ak__b64_decode(unsigned char **out, size_t *out_len, const char *text, size_t text_len,
                           size_t max, bool lenient) AK__WUR;

/* True when `s` (`len` bytes) is well-formed UTF-8 without NUL (lib/text.c). */
bool ak__utf8_valid(const char *s, size_t len);
/* The same for a NUL-terminated string; false for NULL. */
bool ak__utf8_valid_str(const char *s);

/*
 * Whether `email` can name an account, as authkeepd takes one: 3 to 254
 * bytes, one '@' with text on both sides, no spaces or control characters
 * (lib/text.c).
 */
#define AK__EMAIL_MAX 254
bool ak__email_valid(const char *email);

#endif
