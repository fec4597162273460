/*
 * The progress of long imports, for the program to draw: the library
 * never prints. The stages over the entries (sorting them against the
 * vault, adding them) call ak__import_progress() for every entry; the
 * callback hears of it every AK_PROGRESS_STEP entries and at the end of a
 * stage, and only when the import has more than AK_IMPORT_PROGRESS_MIN.
 */
#include "import_internal.h"

static ak_progress_fn progress_fn;
static void *progress_ctx;

void ak_import_set_progress(ak_progress_fn fn, void *ctx)
{
        progress_fn = fn;
        progress_ctx = ctx;
}

void ak__import_progress(const char *what, size_t done, size_t total)
{
        if (progress_fn == NULL || total <= AK_IMPORT_PROGRESS_MIN)
                return;
        if (done % AK_PROGRESS_STEP == 0 || done == total)
                progress_fn(progress_ctx, what, done, total);
}
