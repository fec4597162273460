/*
 * Fuzzes the importer of Steam Desktop Authenticator's folder (lib/import/sda.c):
 * the bytes as manifest.json in a folder of their own, and as the maFile
 * beside it that the seeds list first, imported as a file with a passkey. An encrypted
 * maFile is base64 text, which JSON input never is, so no key is derived:
 * the manifest's entries, names, IVs and salts and the plain maFiles are
 * what is fuzzed. The seeds are manifests written by
 * tests/import/make_exports.py sda, encrypted and plain.
 */
#include <stdio.h>
#include <string.h>

#include "import_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes the input to `path`; false when it cannot. */
static int write_all(const char *path, const uint8_t *data, size_t size)
{
        FILE *f = fopen(path, "wb");
        int ok;

        if (f == NULL)
                return 0;
        ok = fwrite(data, 1, size, f) == size;
        return fclose(f) == 0 && ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static char dir[] = "/tmp/authkeep-fuzz-sda.XXXXXX";
        static int made;
        char manifest[64], mafile[80];
        struct ak_import imp;

        fuzz_init();
        if (!made && mkdtemp(dir) == NULL)
                return 0;
        made = 1;
        snprintf(manifest, sizeof(manifest), "%s/manifest.json", dir);
        snprintf(mafile, sizeof(mafile), "%s/76561190000000001.maFile", dir);
        if (!write_all(manifest, data, size) || !write_all(mafile, data, size))
                return 0;
        ak_import_init(&imp);
        if (ak_import_file(&imp, AK_IMPORT_STEAM, manifest, "fuzz", 4) == AK_OK)
                fuzz_classify(&imp);
        ak_import_clear(&imp);
        return 0;
}
