/*
 * Fuzz target: the templates of authkeepd's web pages (server/web_render.c).
 * Any text must parse or be refused with a sentence; what parses renders
 * with a view of strings, numbers and lists without a crash or a leak.
 */
#include <stdlib.h>
#include <string.h>

#include "web.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char err[300] = "";
        char *text = malloc(size > 0 ? size : 1);
        if (text == NULL)
                abort();
        memcpy(text, data, size);
        /* No folder: a {{>partial}} is refused, as it reads no file here. */
        struct akd_template *t = akd_template_parse(text, size, NULL, "fuzz", err, sizeof(err));
        if (t == NULL) {
                if (err[0] == '\0')
                        abort();
        } else {
                json_t *view =
                    json_pack("{s:s, s:i, s:b, s:[{s:s}, {s:s}], s:{s:s}, s:[]}", "title",
                              "<a & \"b\">", "number", 42, "ok", 1, "devices", "name", "A", "name",
                              "B'", "deleted", "at", "now", "empty");
                size_t len = 0;
                char *html = akd_template_render(t, view, &len);
                if (html == NULL || strlen(html) != len)
                        abort();
                free(html);
                json_decref(view);
                akd_template_free(t);
        }
        free(text);
        return 0;
}
