/*
 * Android's SharedPreferences files, as read off a rooted phone
 * (/data/data/APP/shared_prefs/NAME.xml): a <map> of <string name="N">text
 * </string>, <int|long|float|boolean name="N" value="V"/> and <set name="N">
 * of <string>s. Read with libxml2 (Debian's, well kept and fuzzed, rather
 * than a parser of our own): no network (XML_PARSE_NONET), no DTD loaded,
 * no entity substituted (no XML_PARSE_NOENT), and a file that declares a
 * DTD at all is refused, since Android never writes one: no entity of the
 * file's own can grow or reach anything.
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <sodium.h>

#include "apps.h"

#define PREFS_MAX 100000 /* preferences in one file: an import's entries at most */

bool ak__looks_xml(const unsigned char *data, size_t len)
{
        size_t i = 0;

        if (len >= 3 && data[0] == 0xef && data[1] == 0xbb && data[2] == 0xbf)
                i = 3;
        while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
                i++;
        return i < len && data[i] == '<';
}

void ak__prefs_free(struct ak__prefs *prefs)
{
        for (size_t i = 0; i < prefs->count; i++) {
                free(prefs->items[i].name);
                free(prefs->items[i].type);
                if (prefs->items[i].value != NULL)
                        ak__free_secret_str(prefs->items[i].value);
        }
        free(prefs->items);
        prefs->items = NULL;
        prefs->count = 0;
}

const char *ak__prefs_get(const struct ak__prefs *prefs, const char *name)
{
        for (size_t i = 0; i < prefs->count; i++)
                if (strcmp(prefs->items[i].name, name) == 0)
                        return prefs->items[i].value;
        return NULL;
}

/* A copy of libxml2's string, which is wiped before it is freed (it may hold a secret). */
static char *take(xmlChar *s)
{
        char *copy;

        if (s == NULL)
                return ak__strdup("");
        copy = ak__strdup((const char *)s);
        sodium_memzero(s, strlen((const char *)s));
        xmlFree(s);
        return copy;
}

/* Wipes the text of every node and attribute of the tree before it is freed. */
static void wipe(xmlNode *n)
{
        for (; n != NULL; n = n->next) {
                if (n->content != NULL)
                        sodium_memzero(n->content, strlen((const char *)n->content));
                if (n->type == XML_ELEMENT_NODE)
                        for (xmlAttr *a = n->properties; a != NULL; a = a->next)
                                wipe(a->children);
                wipe(n->children);
        }
}

static enum ak_err add(struct ak__prefs *prefs, size_t *capacity, xmlNode *node)
{
        struct ak__pref p = {0};
        xmlChar *name = xmlGetProp(node, (const xmlChar *)"name");
        const char *type = (const char *)node->name;

        if (name == NULL)
                return ak__fail(AK_ERR_FORMAT, "a <%.20s> without a name", type);
        if (prefs->count >= PREFS_MAX) {
                xmlFree(name);
                return ak__fail(AK_ERR_LIMIT, "more than %d preferences", PREFS_MAX);
        }
        if (prefs->count == *capacity) {
                size_t cap = *capacity ? *capacity * 2 : 16;
                struct ak__pref *grown = realloc(prefs->items, cap * sizeof(*grown));
                if (grown == NULL) {
                        xmlFree(name);
                        return AK_ERR_NOMEM;
                }
                prefs->items = grown;
                *capacity = cap;
        }
        p.name = take(name);
        p.type = ak__strdup(type);
        if (strcmp(type, "string") == 0 || strcmp(type, "set") == 0)
                p.value = take(xmlNodeGetContent(node));
        else
                p.value = take(xmlGetProp(node, (const xmlChar *)"value"));
        if (p.name == NULL || p.type == NULL || p.value == NULL) {
                free(p.name);
                free(p.type);
                free(p.value);
                return AK_ERR_NOMEM;
        }
        prefs->items[prefs->count++] = p;
        return AK_OK;
}

enum ak_err ak__prefs_parse(struct ak__prefs *out, const void *data, size_t len, const char *what)
{
        struct ak__prefs prefs = {0};
        size_t capacity = 0;
        xmlDoc *doc;
        xmlNode *root;
        enum ak_err rc = AK_OK;

        if (len > AK_IMPORT_MAX_BYTES || len > (size_t)INT32_MAX)
                return ak__fail(AK_ERR_LIMIT, "%s: larger than %u bytes", what,
                                AK_IMPORT_MAX_BYTES);
        doc = xmlReadMemory(data, (int)len, NULL, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        if (doc == NULL)
                return ak__fail(AK_ERR_FORMAT, "%s: not well-formed XML", what);
        if (doc->intSubset != NULL || doc->extSubset != NULL) {
                rc = ak__fail(
                    AK_ERR_FORMAT,
                    "%s: the XML declares a DTD, which Android's preference files never do", what);
                goto done;
        }
        root = xmlDocGetRootElement(doc);
        if (root == NULL || strcmp((const char *)root->name, "map") != 0) {
                rc = ak__fail(AK_ERR_FORMAT, "%s: XML, but not Android preferences (no <map>)",
                              what);
                goto done;
        }
        for (xmlNode *n = root->children; n != NULL && rc == AK_OK; n = n->next)
                if (n->type == XML_ELEMENT_NODE)
                        rc = add(&prefs, &capacity, n);
        if (rc != AK_OK && rc != AK_ERR_NOMEM && rc != AK_ERR_LIMIT)
                rc = ak__fail_in(AK_ERR_FORMAT, what);
done:
        wipe(doc->children);
        xmlFreeDoc(doc);
        if (rc == AK_OK)
                *out = prefs;
        else
                ak__prefs_free(&prefs);
        return rc;
}
