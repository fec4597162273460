/*
 * Unit tests of the web pages' parts that need no browser: the templates
 * (escaping, lists, sections, partials, and the mistakes that stop
 * authkeepd with their line) and the forms (decoding, the checks of each
 * field, and what is refused). The pages themselves are tested in Chromium
 * (tests/web/).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "web.h"

/* Renders `text` with the JSON view `view`; the page (free()). */
static char *render(const char *text, const char *view)
{
        char err[300];
        struct akd_template *t =
            akd_template_parse(text, strlen(text), NULL, "t", err, sizeof(err));
        assert_non_null(t);
        json_t *v = json_loads(view, 0, NULL);
        assert_non_null(v);
        size_t len;
        char *out = akd_template_render(t, v, &len);
        assert_non_null(out);
        assert_int_equal(strlen(out), len);
        json_decref(v);
        akd_template_free(t);
        return out;
}

static void expect_render(const char *text, const char *view, const char *want)
{
        char *out = render(text, view);
        assert_string_equal(out, want);
        free(out);
}

static void test_values_are_escaped(void **state)
{
        expect_render("<p>{{name}} {{n}}</p>", "{\"name\": \"<b>\\\"A&B's\\\"</b>\", \"n\": 42}",
                      "<p>&lt;b&gt;&quot;A&amp;B&#39;s&quot;&lt;/b&gt; 42</p>");
        expect_render("[{{missing}}]", "{}", "[]");
}

static void test_sections(void **state)
{
        const char *t =
            "{{#items}}<li>{{name}} of {{owner}}</li>{{/items}}{{^items}}none{{/items}}";
        expect_render(t, "{\"owner\": \"ivy\", \"items\": [{\"name\": \"A\"}, {\"name\": \"B\"}]}",
                      "<li>A of ivy</li><li>B of ivy</li>");
        expect_render(t, "{\"owner\": \"ivy\", \"items\": []}", "none");
        expect_render("{{#on}}yes{{/on}}{{^on}}no{{/on}}", "{\"on\": true}", "yes");
        expect_render("{{#on}}yes{{/on}}{{^on}}no{{/on}}", "{\"on\": false}", "no");
        expect_render("{{#d}}at {{at}}{{/d}}", "{\"d\": {\"at\": \"noon\"}}", "at noon");
        expect_render("{{#s}}[{{s}}]{{/s}}", "{\"s\": \"\"}", "");
}

static void expect_refused(const char *text, const char *why)
{
        char err[300] = "";
        struct akd_template *t =
            akd_template_parse(text, strlen(text), NULL, "page.html", err, sizeof(err));
        assert_null(t);
        if (strstr(err, why) == NULL)
                fail_msg("'%s': expected '%s' in '%s'", text, why, err);
}

static void test_mistakes_are_refused_with_their_line(void **state)
{
        expect_refused("a\nb {{#x}}\n", "{{#x}} is never closed");
        expect_refused("a\n\n{{/x}}", "page.html: line 3: {{/x}} closes no open {{#x}}");
        expect_refused("{{#a}}{{#b}}{{/a}}{{/b}}", "{{/a}} closes no open {{#a}}");
        expect_refused("{{ name }}", "is not {{name}}");
        expect_refused("{{&raw}}", "is not {{name}}");
        expect_refused("x {{name", "'{{' without '}}'");
        expect_refused("{{>head}}", "no partial can be read here");
}

static void test_partials_come_from_the_folder(void **state)
{
        char dir[] = "/tmp/authkeep-web-XXXXXX", path[64], err[300];
        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/head.html", dir);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs("<title>{{title}}</title>", f);
        fclose(f);
        snprintf(path, sizeof(path), "%s/page.html", dir);
        f = fopen(path, "w");
        assert_non_null(f);
        fputs("{{>head}}<h1>{{title}}</h1>", f);
        fclose(f);
        struct akd_template *t = akd_template_load(dir, "page.html", err, sizeof(err));
        assert_non_null(t);
        json_t *v = json_pack("{s:s}", "title", "a<b");
        size_t len;
        char *out = akd_template_render(t, v, &len);
        assert_string_equal(out, "<title>a&lt;b</title><h1>a&lt;b</h1>");
        free(out);
        json_decref(v);
        akd_template_free(t);
        assert_null(akd_template_load(dir, "missing.html", err, sizeof(err)));
        assert_non_null(strstr(err, "missing.html: No such file or directory"));
        snprintf(path, sizeof(path), "%s/head.html", dir);
        remove(path);
        snprintf(path, sizeof(path), "%s/page.html", dir);
        remove(path);
        remove(dir);
}

#define CSRF "C-oLkA86n38wtBuvrSOktkCXNJ_p_4fZBCXMnGmhMZk"

static void test_forms_decode(void **state)
{
        struct akd_form f;
        struct akd_error e = {0};
        const char *body = "a=1+2%2B3&&b=&c&d=%41%62";
        assert_int_equal(akd_form_parse(&f, body, strlen(body), &e), 0);
        assert_int_equal(f.count, 4);
        assert_string_equal(akd_form_get(&f, "a"), "1 2+3");
        assert_string_equal(akd_form_get(&f, "b"), "");
        assert_string_equal(akd_form_get(&f, "c"), "");
        assert_string_equal(akd_form_get(&f, "d"), "Ab");
        assert_null(akd_form_get(&f, "e"));

        struct akd_web_form w;
        body = "csrf=" CSRF "&email=Ivy%40Example.COM&code=012345&ignored=x";
        assert_int_equal(akd_web_form_parse(&w, AKD_WF_EMAIL | AKD_WF_CODE, body, strlen(body), &e),
                         0);
        assert_string_equal(w.csrf, CSRF);
        assert_string_equal(w.email, "ivy@example.com");
        assert_string_equal(w.code, "012345");
        body = "csrf=" CSRF "&contact=%2B44+20+7946+0000&device=0123456789abcdef0123456789abcdef";
        assert_int_equal(
            akd_web_form_parse(&w, AKD_WF_CONTACT | AKD_WF_DEVICE, body, strlen(body), &e), 0);
        assert_string_equal(w.contact, "+442079460000");
        assert_false(w.force);
}

static void expect_form_refused(unsigned fields, const char *body, const char *why)
{
        struct akd_web_form w;
        struct akd_error e = {0};
        assert_int_equal(akd_web_form_parse(&w, fields, body, strlen(body), &e), -1);
        assert_int_equal(e.status, 400);
        if (strstr(e.message, why) == NULL)
                fail_msg("'%s': expected '%s' in '%s'", body, why, e.message);
        akd_error_clear(&e);
}

static void test_forms_refuse(void **state)
{
        expect_form_refused(0, "email=a%40b.c", "csrf: missing");
        expect_form_refused(0, "csrf=short", "csrf: must be the page's token");
        expect_form_refused(0, "csrf=" CSRF "&csrf=" CSRF, "csrf: given twice");
        expect_form_refused(0, "csrf=%4", "csrf: a malformed %-escape");
        expect_form_refused(0, "csrf=%zz", "a malformed %-escape");
        expect_form_refused(0, "Csrf=x", "a field's name: must be 1 to 32");
        expect_form_refused(0, "csrf=" CSRF "&x=%0A", "x: only printable ASCII");
        expect_form_refused(0, "csrf=" CSRF "&x=%C3%A9", "x: only printable ASCII");
        expect_form_refused(AKD_WF_EMAIL, "csrf=" CSRF, "email: missing");
        expect_form_refused(AKD_WF_EMAIL, "csrf=" CSRF "&email=nobody", "email: must be like");
        expect_form_refused(AKD_WF_CODE, "csrf=" CSRF "&code=12345a", "code: must be six digits");
        expect_form_refused(AKD_WF_REQUEST, "csrf=" CSRF "&request=00&ticket=" CSRF,
                            "request: must be a sign-in request's id");
        expect_form_refused(AKD_WF_DEVICE, "csrf=" CSRF "&device=0123456789ABCDEF0123456789ABCDEF",
                            "device: must be a device's id");
        char many[400] = "csrf=" CSRF;
        for (int i = 0; i < 16; i++)
                snprintf(many + strlen(many), sizeof(many) - strlen(many), "&f%d=1", i);
        expect_form_refused(0, many, "more than 16 fields");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_values_are_escaped),
            cmocka_unit_test(test_sections),
            cmocka_unit_test(test_mistakes_are_refused_with_their_line),
            cmocka_unit_test(test_partials_come_from_the_folder),
            cmocka_unit_test(test_forms_decode),
            cmocka_unit_test(test_forms_refuse),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
