/*
 * The web pages' templates: plain HTML files with a syntax small enough to
 * read at a glance.
 *   {{name}}                 a value of the view, HTML-escaped (always)
 *   {{#name}}...{{/name}}    repeated for each item of a list, or shown once
 *                            when the value is true, a non-empty string or an object
 *   {{^name}}...{{/name}}    shown when the value is absent, false, null or empty
 *   {{>name}}                the file NAME.html of the same folder, read once
 * There is no way to put a value in unescaped: a page cannot be made to
 * carry markup from the data it shows. A template is parsed once, when
 * authkeepd starts, into a flat list of nodes in which a section knows
 * where it ends; a mistake in a file stops authkeepd with its line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

#define NAME_MAX_LEN 32
#define NEST_MAX 8    /* sections inside sections */
#define PARTIAL_MAX 4 /* partials inside partials */
#define FILE_MAX (256 * 1024)

enum node_kind { N_TEXT, N_VALUE, N_SECTION, N_INVERTED };

struct node {
        enum node_kind kind;
        char *text; /* N_TEXT: the text; else the name */
        size_t len;
        size_t end; /* sections: the index just past their last node */
};

struct akd_template {
        struct node *nodes;
        size_t count, cap;
};

void akd_template_free(struct akd_template *t)
{
        if (t == NULL)
                return;
        for (size_t i = 0; i < t->count; i++)
                free(t->nodes[i].text);
        free(t->nodes);
        free(t);
}

/* Appends a node owning a copy of [s, s + len); its index, or -1 on no memory. */
static long add_node(struct akd_template *t, enum node_kind kind, const char *s, size_t len)
{
        if (t->count == t->cap) {
                size_t cap = t->cap ? t->cap * 2 : 32;
                struct node *grown = realloc(t->nodes, cap * sizeof(*grown));
                if (grown == NULL)
                        return -1;
                t->nodes = grown;
                t->cap = cap;
        }
        char *copy = malloc(len + 1);
        if (copy == NULL)
                return -1;
        memcpy(copy, s, len);
        copy[len] = '\0';
        t->nodes[t->count] = (struct node){.kind = kind, .text = copy, .len = len};
        return (long)t->count++;
}

char *akd_web_read_file(const char *dir, const char *name, size_t *len, char *err, size_t errlen)
{
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        FILE *f = fopen(path, "rb");
        if (f == NULL) {
                snprintf(err, errlen, "%s: %s", path, strerror(errno));
                return NULL;
        }
        char *buf = malloc(FILE_MAX + 1);
        size_t n = buf != NULL ? fread(buf, 1, FILE_MAX + 1, f) : 0;
        bool bad = ferror(f) || n > FILE_MAX;
        fclose(f);
        if (buf == NULL || bad) {
                snprintf(err, errlen, "%s: %s", path,
                         buf == NULL ? "out of memory" : "cannot be read or is over 256 KiB");
                free(buf);
                return NULL;
        }
        *len = n;
        return buf;
}

static bool name_char(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

struct parser {
        struct akd_template *t;
        const char *dir;
        size_t open[NEST_MAX]; /* the sections open, by node index */
        size_t depth;
        char *err;
        size_t errlen;
};

static int parse_into(struct parser *p, const char *text, size_t len, const char *what,
                      unsigned partials);

/* Inserts the partial `name` (NAME.html in the folder). 0 or -1 with p->err. */
static int partial(struct parser *p, const char *name, unsigned partials)
{
        char file[NAME_MAX_LEN + 8];
        size_t len;
        snprintf(file, sizeof(file), "%s.html", name);
        char *text = akd_web_read_file(p->dir, file, &len, p->err, p->errlen);
        if (text == NULL)
                return -1;
        int rc = parse_into(p, text, len, file, partials + 1);
        free(text);
        return rc;
}

#define PARSE_FAIL(...)                                                                            \
        do {                                                                                       \
                snprintf(p->err, p->errlen, __VA_ARGS__);                                          \
                return -1;                                                                         \
        } while (0)

static int parse_into(struct parser *p, const char *text, size_t len, const char *what,
                      unsigned partials)
{
        const char *s = text, *end = text + len;
        unsigned line = 1;
        size_t base_depth = p->depth;
        if (memchr(text, '\0', len) != NULL)
                PARSE_FAIL("%s: a NUL byte", what);
        while (s < end) {
                const char *open = memmem(s, (size_t)(end - s), "{{", 2);
                const char *stop = open != NULL ? open : end;
                if (stop > s && add_node(p->t, N_TEXT, s, (size_t)(stop - s)) < 0)
                        PARSE_FAIL("out of memory");
                for (const char *c = s; c < stop; c++)
                        line += *c == '\n';
                if (open == NULL)
                        break;
                const char *close = memmem(open + 2, (size_t)(end - open - 2), "}}", 2);
                if (close == NULL)
                        PARSE_FAIL("%s: line %u: '{{' without '}}'", what, line);
                char sigil = open[2];
                const char *name = open + 2 + (strchr("#^/>", sigil) != NULL && sigil != '\0');
                size_t nl = (size_t)(close - name);
                bool ok = nl >= 1 && nl <= NAME_MAX_LEN;
                for (size_t i = 0; ok && i < nl; i++)
                        ok = name_char(name[i]);
                if (!ok)
                        PARSE_FAIL("%s: line %u: '{{%.*s}}' is not {{name}}, {{#name}}, "
                                   "{{^name}}, {{/name}} or {{>name}} (names: a-z 0-9 _ - .)",
                                   what, line, (int)(close - open - 2 > 40 ? 40 : close - open - 2),
                                   open + 2);
                char nm[NAME_MAX_LEN + 1];
                memcpy(nm, name, nl);
                nm[nl] = '\0';
                if (sigil == '#' || sigil == '^') {
                        if (p->depth == NEST_MAX)
                                PARSE_FAIL("%s: line %u: more than %d sections inside each other",
                                           what, line, NEST_MAX);
                        long i = add_node(p->t, sigil == '#' ? N_SECTION : N_INVERTED, nm, nl);
                        if (i < 0)
                                PARSE_FAIL("out of memory");
                        p->open[p->depth++] = (size_t)i;
                } else if (sigil == '/') {
                        if (p->depth == base_depth ||
                            strcmp(p->t->nodes[p->open[p->depth - 1]].text, nm) != 0)
                                PARSE_FAIL("%s: line %u: {{/%s}} closes no open {{#%s}}", what,
                                           line, nm, nm);
                        p->t->nodes[p->open[--p->depth]].end = p->t->count;
                } else if (sigil == '>') {
                        if (p->dir == NULL || partials >= PARTIAL_MAX || strchr(nm, '.') != NULL)
                                PARSE_FAIL("%s: line %u: {{>%s}}: %s", what, line, nm,
                                           p->dir == NULL || strchr(nm, '.') != NULL
                                               ? "no partial can be read here"
                                               : "partials nested too deep");
                        if (partial(p, nm, partials) != 0)
                                return -1;
                } else if (add_node(p->t, N_VALUE, nm, nl) < 0) {
                        PARSE_FAIL("out of memory");
                }
                s = close + 2;
        }
        if (p->depth != base_depth)
                PARSE_FAIL("%s: {{#%s}} is never closed", what,
                           p->t->nodes[p->open[p->depth - 1]].text);
        return 0;
}

struct akd_template *akd_template_parse(const char *text, size_t len, const char *dir,
                                        const char *what, char *err, size_t errlen)
{
        struct akd_template *t = calloc(1, sizeof(*t));
        if (t == NULL) {
                snprintf(err, errlen, "out of memory");
                return NULL;
        }
        struct parser p = {.t = t, .dir = dir, .err = err, .errlen = errlen};
        if (parse_into(&p, text, len, what, 0) != 0) {
                akd_template_free(t);
                return NULL;
        }
        return t;
}

struct akd_template *akd_template_load(const char *dir, const char *name, char *err, size_t errlen)
{
        size_t len;
        char *text = akd_web_read_file(dir, name, &len, err, errlen);
        if (text == NULL)
                return NULL;
        char what[4096];
        snprintf(what, sizeof(what), "%s/%s", dir, name);
        struct akd_template *t = akd_template_parse(text, len, dir, what, err, errlen);
        free(text);
        return t;
}

/* ---- rendering ---- */

struct out {
        char *buf;
        size_t len, cap;
        bool failed;
};

static void put(struct out *o, const char *s, size_t n)
{
        if (o->failed)
                return;
        if (o->len + n + 1 > o->cap) {
                size_t cap = o->cap ? o->cap : 4096;
                while (cap < o->len + n + 1)
                        cap *= 2;
                char *grown = realloc(o->buf, cap);
                if (grown == NULL) {
                        o->failed = true;
                        return;
                }
                o->buf = grown;
                o->cap = cap;
        }
        memcpy(o->buf + o->len, s, n);
        o->len += n;
        o->buf[o->len] = '\0';
}

/* Appends `s` with & < > " ' as entities. */
static void put_escaped(struct out *o, const char *s)
{
        for (;;) {
                size_t n = strcspn(s, "&<>\"'");
                put(o, s, n);
                s += n;
                if (*s == '\0')
                        return;
                static const char special[] = "&<>\"'";
                static const char *const entity[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};
                const char *e = entity[strchr(special, *s) - special];
                put(o, e, strlen(e));
                s++;
        }
}

/* `name` in the innermost of the `depth` objects that has it; NULL. */
static json_t *lookup(json_t *const *scopes, size_t depth, const char *name)
{
        while (depth-- > 0) {
                json_t *v = json_object_get(scopes[depth], name);
                if (v != NULL)
                        return v;
        }
        return NULL;
}

static bool truthy(const json_t *v)
{
        if (v == NULL || json_is_null(v) || json_is_false(v))
                return false;
        if (json_is_array(v))
                return json_array_size(v) > 0;
        if (json_is_string(v))
                return json_string_length(v) > 0;
        return true;
}

static void render_range(const struct akd_template *t, size_t from, size_t to, json_t **scopes,
                         size_t depth, struct out *o)
{
        for (size_t i = from; i < to; i++) {
                const struct node *n = &t->nodes[i];
                json_t *v;
                char num[32];
                switch (n->kind) {
                case N_TEXT:
                        put(o, n->text, n->len);
                        break;
                case N_VALUE:
                        v = lookup(scopes, depth, n->text);
                        if (json_is_string(v)) {
                                put_escaped(o, json_string_value(v));
                        } else if (json_is_integer(v)) {
                                snprintf(num, sizeof(num), "%lld",
                                         (long long)json_integer_value(v));
                                put(o, num, strlen(num));
                        }
                        break;
                case N_SECTION:
                case N_INVERTED:
                        v = lookup(scopes, depth, n->text);
                        if (n->kind == N_INVERTED) {
                                if (!truthy(v))
                                        render_range(t, i + 1, n->end, scopes, depth, o);
                        } else if (json_is_array(v)) {
                                size_t k;
                                json_t *item;
                                json_array_foreach(v, k, item)
                                {
                                        bool obj = json_is_object(item);
                                        scopes[depth] = item;
                                        render_range(t, i + 1, n->end, scopes, depth + obj, o);
                                }
                        } else if (truthy(v)) {
                                bool obj = json_is_object(v);
                                scopes[depth] = v;
                                render_range(t, i + 1, n->end, scopes, depth + obj, o);
                        }
                        i = n->end - 1;
                        break;
                }
        }
}

char *akd_template_render(const struct akd_template *t, const json_t *view, size_t *len)
{
        struct out o = {0};
        json_t *scopes[NEST_MAX + 1] = {(json_t *)view};
        put(&o, "", 0);
        render_range(t, 0, t->count, scopes, 1, &o);
        if (o.failed) {
                free(o.buf);
                return NULL;
        }
        *len = o.len;
        return o.buf;
}
