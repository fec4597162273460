/*
 * Fuzz target: the forms of authkeepd's web pages (server/web_forms.c).
 * Any body must give either a checked form or a 400 with a sentence, for
 * every set of fields a page asks for, never a crash or a read past it.
 */
#include <stdlib.h>
#include <string.h>

#include "web.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* A copy of its own size, so that ASan sees any read past the body. */
        char *body = malloc(size > 0 ? size : 1);
        struct akd_form *form = malloc(sizeof(*form));
        struct akd_web_form *page = malloc(sizeof(*page));
        if (body == NULL || form == NULL || page == NULL)
                abort();
        memcpy(body, data, size);
        struct akd_error e = {0};
        if (akd_form_parse(form, body, size, &e) == 0) {
                for (size_t i = 0; i < form->count; i++)
                        if (akd_form_get(form, form->fields[i].name) != form->fields[i].value)
                                abort(); /* each name once */
        } else if (e.status != 400 || e.message[0] == '\0') {
                abort();
        }
        akd_error_clear(&e);
        static const unsigned asked[] = {
            0,
            AKD_WF_EMAIL,
            AKD_WF_EMAIL | AKD_WF_CODE,
            AKD_WF_REQUEST,
            AKD_WF_DEVICE,
            AKD_WF_CONTACT,
            AKD_WF_EMAIL | AKD_WF_CODE | AKD_WF_REQUEST | AKD_WF_DEVICE | AKD_WF_CONTACT,
        };
        for (size_t i = 0; i < sizeof(asked) / sizeof(asked[0]); i++) {
                if (akd_web_form_parse(page, asked[i], body, size, &e) == 0) {
                        if (strlen(page->csrf) != AKD_WEB_TOKEN_LEN)
                                abort();
                } else if (e.status != 400 || e.message[0] == '\0') {
                        abort();
                }
                akd_error_clear(&e);
        }
        free(page);
        free(form);
        free(body);
        return 0;
}
