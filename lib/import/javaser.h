/*
 * A serialised java.util.HashMap<String, String> (javaser.c): its pairs in
 * the order of the stream. Not public.
 */
#ifndef AUTHKEEP_IMPORT_JAVASER_H
#define AUTHKEEP_IMPORT_JAVASER_H

#include "import_internal.h"

struct ak__jpair {
        const char *key;
        const char *value; /* NULL for a null value */
};

struct ak__jmap {
        struct ak__jpair *pairs;
        size_t count, cap;
        void *strings; /* owns every string (wiped when freed) */
        size_t nstrings;
        const char *key; /* while reading: a key waiting for its value */
        int pending;
};

/* Parses a stream whose object is a HashMap (or extends one) of strings. AK_ERR_FORMAT otherwise.
 */
enum ak_err ak__jmap_parse(struct ak__jmap *out, const unsigned char *data, size_t len) AK__WUR;
void ak__jmap_free(struct ak__jmap *m);
/* The value of `key`, or NULL. */
const char *ak__jmap_get(const struct ak__jmap *m, const char *key);
/* Adds a string read inside the map: a key, then its value (internal to javaser.c). */
enum ak_err ak__jmap_push(struct ak__jmap *m, const char *s) AK__WUR;

#endif
