/*
 * Java's object serialisation (the Java Object Serialization Specification,
 * chapter 6), as far as a serialised java.util.HashMap<String, String>
 * needs it: FreeOTP 2 writes its backup with ObjectOutputStream. Read:
 * objects (TC_OBJECT) and their class descriptions (TC_CLASSDESC, with
 * superclasses), strings (TC_STRING, TC_LONGSTRING, in Java's modified
 * UTF-8), back references (TC_REFERENCE), null and block data.
 * The strings written by the writeObject of java.util.HashMap (or a class
 * that extends it, LinkedHashMap) are its keys and values in turn. Anything
 * else (arrays, enums, proxies, other objects in the map) is refused: the
 * backup holds none.
 */
#include <stdlib.h>
#include <string.h>

#include "javaser.h"

#define TC_NULL 0x70
#define TC_REFERENCE 0x71
#define TC_CLASSDESC 0x72
#define TC_OBJECT 0x73
#define TC_STRING 0x74
#define TC_BLOCKDATA 0x77
#define TC_ENDBLOCKDATA 0x78
#define TC_BLOCKDATALONG 0x7a
#define TC_LONGSTRING 0x7c
#define BASE_HANDLE 0x7e0000u
#define SC_WRITE_METHOD 0x01
#define SC_SERIALIZABLE 0x02

#define DEPTH_MAX 16                                  /* nested objects and superclasses */
#define HANDLES_MAX (2u * AK_IMPORT_MAX_ENTRIES + 64) /* strings and classes in one stream */

struct field {
        char type;
};

struct classdesc {
        char *name;
        unsigned char flags;
        struct field *fields;
        size_t nfields;
        struct classdesc *super;
};

struct handle {
        char *string; /* a string's text, or NULL */
        struct classdesc *cls;
};

struct reader {
        const unsigned char *p;
        size_t len, at;
        struct handle *handles;
        size_t nhandles, cap;
        struct classdesc **classes; /* every class read, freed at the end */
        size_t nclasses;
        struct ak__jmap *map; /* where a HashMap's strings go */
        bool in_map;
        unsigned char last; /* the tag of the element read_content read last */
};

static enum ak_err bad(const char *why)
{
        return ak__fail(AK_ERR_FORMAT, "Java serialisation: %s", why);
}

static enum ak_err need(struct reader *r, size_t n)
{
        return r->len - r->at >= n ? AK_OK : bad("it ends early");
}

static uint64_t be(const unsigned char *p, int n)
{
        uint64_t v = 0;
        for (int i = 0; i < n; i++)
                v = v << 8 | p[i];
        return v;
}

static enum ak_err add_handle(struct reader *r, char *string, struct classdesc *cls)
{
        if (r->nhandles >= HANDLES_MAX)
                return ak__fail(AK_ERR_LIMIT, "Java serialisation: more than %u objects",
                                HANDLES_MAX);
        if (r->nhandles == r->cap) {
                size_t cap = r->cap ? r->cap * 2 : 64;
                struct handle *grown = realloc(r->handles, cap * sizeof(*grown));
                if (grown == NULL)
                        return AK_ERR_NOMEM;
                r->handles = grown;
                r->cap = cap;
        }
        r->handles[r->nhandles].string = string;
        r->handles[r->nhandles].cls = cls;
        r->nhandles++;
        return AK_OK;
}

/*
 * `n` bytes of modified UTF-8 as UTF-8: surrogate pairs (CESU-8) become
 * four-byte sequences; C0 80 (Java's NUL) is refused.
 */
static enum ak_err utf8_of(char **out, const unsigned char *s, size_t n)
{
        char *t = malloc(n + 1);
        size_t o = 0;

        if (t == NULL)
                return AK_ERR_NOMEM;
        for (size_t i = 0; i < n;) {
                if (i + 6 <= n && s[i] == 0xed && (s[i + 1] & 0xf0) == 0xa0 && s[i + 3] == 0xed &&
                    (s[i + 4] & 0xf0) == 0xb0) {
                        uint32_t hi = 0xd800u | (s[i + 1] & 0x0fu) << 6 | (s[i + 2] & 0x3fu);
                        uint32_t lo = 0xdc00u | (s[i + 4] & 0x0fu) << 6 | (s[i + 5] & 0x3fu);
                        uint32_t c = 0x10000u + ((hi - 0xd800u) << 10) + (lo - 0xdc00u);
                        t[o++] = (char)(0xf0 | c >> 18);
                        t[o++] = (char)(0x80 | (c >> 12 & 0x3f));
                        t[o++] = (char)(0x80 | (c >> 6 & 0x3f));
                        t[o++] = (char)(0x80 | (c & 0x3f));
                        i += 6;
                } else if (s[i] == 0 || (s[i] == 0xc0 && i + 1 < n && s[i + 1] == 0x80)) {
                        ak__free_secret(t, n + 1);
                        return bad("a string holds a NUL");
                } else {
                        t[o++] = (char)s[i++];
                }
        }
        t[o] = '\0';
        *out = t;
        return AK_OK;
}

/* A string's bytes after its tag: 2 (TC_STRING) or 8 (TC_LONGSTRING) bytes of length. */
static enum ak_err read_utf(struct reader *r, int lenbytes, char **out)
{
        uint64_t n;
        enum ak_err rc = need(r, (size_t)lenbytes);

        if (rc != AK_OK)
                return rc;
        n = be(r->p + r->at, lenbytes);
        r->at += (size_t)lenbytes;
        if (n > r->len - r->at)
                return bad("a string longer than the stream");
        rc = utf8_of(out, r->p + r->at, (size_t)n);
        if (rc == AK_OK)
                r->at += (size_t)n;
        return rc;
}

static enum ak_err read_content(struct reader *r, int depth, char **string);

/* A new string (its tag read): recorded as a handle; *string borrows it. */
static enum ak_err new_string(struct reader *r, int lenbytes, char **string)
{
        char *s = NULL;
        enum ak_err rc = read_utf(r, lenbytes, &s);

        if (rc == AK_OK)
                rc = add_handle(r, s, NULL);
        if (rc != AK_OK) {
                if (s != NULL)
                        ak__free_secret_str(s);
                return rc;
        }
        *string = s;
        return AK_OK;
}

/* A field's class name: a string or a reference to one. */
static enum ak_err read_type_name(struct reader *r)
{
        char *s = NULL;
        enum ak_err rc = read_content(r, DEPTH_MAX - 1, &s);

        if (rc == AK_OK && s == NULL)
                rc = bad("a field's class name is not a string");
        return rc;
}

/* Contents up to TC_ENDBLOCKDATA: class annotations and writeObject data. */
static enum ak_err read_annotation(struct reader *r, int depth, bool map)
{
        for (;;) {
                char *s = NULL;
                enum ak_err rc = need(r, 1);
                if (rc != AK_OK)
                        return rc;
                if (r->p[r->at] == TC_ENDBLOCKDATA) {
                        r->at++;
                        return AK_OK;
                }
                rc = read_content(r, depth + 1, &s);
                if (rc != AK_OK)
                        return rc;
                if (!map)
                        continue;
                if (r->last == TC_BLOCKDATA || r->last == TC_BLOCKDATALONG)
                        continue; /* the capacity and the size, before the pairs */
                if (r->last == TC_OBJECT)
                        return bad("an object in the map, which holds only strings");
                rc = ak__jmap_push(r->map, s);
                if (rc != AK_OK)
                        return rc;
        }
}

static enum ak_err read_classdesc(struct reader *r, int depth, struct classdesc **out);

/* The next element's tag, within the depth allowed. */
static enum ak_err next_tag(struct reader *r, int depth, unsigned char *tag)
{
        enum ak_err rc = need(r, 1);

        if (rc != AK_OK)
                return rc;
        if (depth >= DEPTH_MAX)
                return bad("nested too deeply");
        *tag = r->p[r->at++];
        return AK_OK;
}

/* The handle a TC_REFERENCE (its tag read) refers to. */
static enum ak_err read_reference(struct reader *r, struct handle **h)
{
        uint64_t v;
        enum ak_err rc = need(r, 4);

        if (rc != AK_OK)
                return rc;
        v = be(r->p + r->at, 4);
        r->at += 4;
        if (v < BASE_HANDLE || v - BASE_HANDLE >= r->nhandles)
                return bad("a reference to nothing read");
        *h = &r->handles[v - BASE_HANDLE];
        return AK_OK;
}

static enum ak_err new_classdesc(struct reader *r, int depth, struct classdesc **out)
{
        struct classdesc *c = calloc(1, sizeof(*c));
        uint64_t nfields;
        enum ak_err rc;

        if (c == NULL)
                return AK_ERR_NOMEM;
        {
                struct classdesc **grown = realloc(r->classes, (r->nclasses + 1) * sizeof(*grown));
                if (grown == NULL) {
                        free(c);
                        return AK_ERR_NOMEM;
                }
                r->classes = grown;
                r->classes[r->nclasses++] = c;
        }
        rc = read_utf(r, 2, &c->name);
        if (rc == AK_OK)
                rc = need(r, 8 + 1 + 2);
        if (rc != AK_OK)
                return rc;
        r->at += 8; /* serialVersionUID */
        rc = add_handle(r, NULL, c);
        if (rc != AK_OK)
                return rc;
        c->flags = r->p[r->at++];
        nfields = be(r->p + r->at, 2);
        r->at += 2;
        if (nfields > r->len - r->at)
                return bad("more fields than bytes");
        c->fields = calloc(nfields ? nfields : 1, sizeof(*c->fields));
        if (c->fields == NULL)
                return AK_ERR_NOMEM;
        c->nfields = nfields;
        for (size_t i = 0; i < nfields; i++) {
                char *fname = NULL;
                rc = need(r, 1);
                if (rc != AK_OK)
                        return rc;
                c->fields[i].type = (char)r->p[r->at++];
                rc = read_utf(r, 2, &fname);
                free(fname);
                if (rc != AK_OK)
                        return rc;
                if (c->fields[i].type == 0 || strchr("BCDFIJSZ", c->fields[i].type) == NULL) {
                        if (c->fields[i].type != 'L' && c->fields[i].type != '[')
                                return bad("a field of an unknown type");
                        rc = read_type_name(r);
                        if (rc != AK_OK)
                                return rc;
                }
        }
        rc = read_annotation(r, depth, false);
        if (rc == AK_OK)
                rc = read_classdesc(r, depth + 1, &c->super);
        if (rc == AK_OK)
                *out = c;
        return rc;
}

/* A class description, TC_NULL (*out NULL) or a reference to one. */
static enum ak_err read_classdesc(struct reader *r, int depth, struct classdesc **out)
{
        struct handle *h = NULL;
        unsigned char tag = 0;
        enum ak_err rc = next_tag(r, depth, &tag);

        *out = NULL;
        if (rc != AK_OK || tag == TC_NULL)
                return rc;
        if (tag == TC_CLASSDESC)
                return new_classdesc(r, depth, out);
        if (tag != TC_REFERENCE)
                return bad("a class description of an unsupported kind");
        rc = read_reference(r, &h);
        if (rc == AK_OK && h->cls == NULL)
                rc = bad("a reference to no class");
        if (rc == AK_OK)
                *out = h->cls;
        return rc;
}

static bool is_map(const struct classdesc *c)
{
        return strcmp(c->name, "java.util.HashMap") == 0;
}

/* The data of each class of an object, superclasses first. */
static enum ak_err read_classdata(struct reader *r, const struct classdesc *c, int depth)
{
        static const struct {
                char type;
                size_t size;
        } sizes[] = {{'B', 1}, {'C', 2}, {'D', 8}, {'F', 4},
                     {'I', 4}, {'J', 8}, {'S', 2}, {'Z', 1}};
        enum ak_err rc = AK_OK;

        if (depth >= DEPTH_MAX)
                return bad("nested too deeply");
        if (c->super != NULL) {
                rc = read_classdata(r, c->super, depth + 1);
                if (rc != AK_OK)
                        return rc;
        }
        if (!(c->flags & SC_SERIALIZABLE))
                return bad("an object of a class that is not Serializable");
        for (size_t i = 0; i < c->nfields; i++) {
                size_t size = 0;
                for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
                        if (sizes[k].type == c->fields[i].type)
                                size = sizes[k].size;
                if (size == 0)
                        return bad("an object with object fields, which a map has none of");
                rc = need(r, size);
                if (rc != AK_OK)
                        return rc;
                r->at += size;
        }
        if (c->flags & SC_WRITE_METHOD) {
                bool map = is_map(c) && !r->in_map;
                if (map)
                        r->in_map = true;
                else if (is_map(c))
                        return bad("a map inside the map");
                rc = read_annotation(r, depth, map);
        }
        return rc;
}

static enum ak_err read_element(struct reader *r, int depth, char **string, unsigned char *tag);

/*
 * One content element. A string sets *string (borrowed from the handle
 * table); anything else leaves it NULL. r->last gets its tag.
 */
static enum ak_err read_content(struct reader *r, int depth, char **string)
{
        unsigned char tag = 0;
        enum ak_err rc = read_element(r, depth, string, &tag);

        r->last = tag;
        return rc;
}

static enum ak_err read_element(struct reader *r, int depth, char **string, unsigned char *tagp)
{
        struct handle *h = NULL;
        unsigned char tag = 0;
        enum ak_err rc = next_tag(r, depth, &tag);

        *string = NULL;
        if (rc != AK_OK)
                return rc;
        *tagp = tag;
        switch (tag) {
        case TC_NULL:
                return AK_OK;
        case TC_STRING:
                return new_string(r, 2, string);
        case TC_LONGSTRING:
                return new_string(r, 8, string);
        case TC_REFERENCE:
                rc = read_reference(r, &h);
                if (rc == AK_OK && h->string == NULL)
                        rc = bad("a reference to an object that is not a string");
                if (rc == AK_OK)
                        *string = h->string;
                return rc;
        case TC_BLOCKDATA:
        case TC_BLOCKDATALONG: {
                int lb = tag == TC_BLOCKDATA ? 1 : 4;
                uint64_t n;
                rc = need(r, (size_t)lb);
                if (rc != AK_OK)
                        return rc;
                n = be(r->p + r->at, lb);
                r->at += (size_t)lb;
                if (n > r->len - r->at)
                        return bad("block data longer than the stream");
                r->at += (size_t)n;
                return AK_OK;
        }
        case TC_OBJECT: {
                struct classdesc *c = NULL;
                rc = read_classdesc(r, depth + 1, &c);
                if (rc == AK_OK && c == NULL)
                        rc = bad("an object of no class");
                if (rc == AK_OK)
                        rc = add_handle(r, NULL, NULL);
                if (rc == AK_OK)
                        rc = read_classdata(r, c, depth + 1);
                return rc;
        }
        default:
                return bad("an element of an unsupported kind");
        }
}

enum ak_err ak__jmap_push(struct ak__jmap *m, const char *s)
{
        if (m->pending == 0 && s == NULL)
                return bad("a map key that is not a string");
        if (m->pending == 0) {
                m->key = s;
                m->pending = 1;
                return AK_OK;
        }
        if (m->count == m->cap) {
                size_t cap = m->cap ? m->cap * 2 : 32;
                struct ak__jpair *grown;
                if (m->count >= HANDLES_MAX)
                        return ak__fail(AK_ERR_LIMIT, "Java serialisation: too many pairs");
                grown = realloc(m->pairs, cap * sizeof(*grown));
                if (grown == NULL)
                        return AK_ERR_NOMEM;
                m->pairs = grown;
                m->cap = cap;
        }
        m->pairs[m->count].key = m->key;
        m->pairs[m->count].value = s;
        m->count++;
        m->pending = 0;
        return AK_OK;
}

enum ak_err ak__jmap_parse(struct ak__jmap *out, const unsigned char *data, size_t len)
{
        struct reader r = {.p = data, .len = len, .map = out};
        char *s = NULL;
        enum ak_err rc;

        memset(out, 0, sizeof(*out));
        if (len < 4 || be(data, 2) != 0xaced || be(data + 2, 2) != 5)
                return bad("no stream header (AC ED 00 05)");
        r.at = 4;
        rc = read_content(&r, 0, &s);
        if (rc == AK_OK && !r.in_map)
                rc = bad("the stream holds no java.util.HashMap");
        if (rc == AK_OK && out->pending)
                rc = bad("the map ends with a key and no value");
        /* The handle table owns the strings; the map borrows them. */
        out->strings = r.handles;
        out->nstrings = r.nhandles;
        for (size_t i = 0; i < r.nclasses; i++) {
                free(r.classes[i]->name);
                free(r.classes[i]->fields);
                free(r.classes[i]);
        }
        free(r.classes);
        if (rc != AK_OK)
                ak__jmap_free(out);
        return rc;
}

void ak__jmap_free(struct ak__jmap *m)
{
        struct handle *h = m->strings;

        for (size_t i = 0; i < m->nstrings; i++)
                if (h[i].string != NULL)
                        ak__free_secret_str(h[i].string);
        free(m->strings);
        free(m->pairs);
        memset(m, 0, sizeof(*m));
}

const char *ak__jmap_get(const struct ak__jmap *m, const char *key)
{
        for (size_t i = 0; i < m->count; i++)
                if (strcmp(m->pairs[i].key, key) == 0)
                        return m->pairs[i].value;
        return NULL;
}
