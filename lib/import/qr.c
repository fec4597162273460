/*
 * QR images. Reading: PNG (libpng) or JPEG (libjpeg) decoded to 8-bit
 * greyscale, which zbar scans as a Y800 image; zbar finds codes that are
 * rotated, scaled or small in a large picture, several per image. Writing:
 * libqrencode's modules drawn into a PNG, or as UTF-8 half blocks for a
 * terminal.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>
#include <qrencode.h>
#include <sodium.h>
#include <zbar.h>

#include "import_internal.h"

#define QR_MAX_SIDE 30000u /* pixels on one side */

static bool is_png(const unsigned char *p, size_t len)
{
        return len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0;
}

static bool is_jpeg(const unsigned char *p, size_t len)
{
        return len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff;
}

bool ak_qr_is_image(const void *data, size_t len)
{
        return is_png(data, len) || is_jpeg(data, len);
}

static enum ak_err check_size(unsigned long width, unsigned long height)
{
        if (width == 0 || height == 0)
                return ak__fail(AK_ERR_IMAGE, "the image is empty");
        if (width > QR_MAX_SIDE || height > QR_MAX_SIDE || width * height > AK_QR_MAX_PIXELS)
                return ak__fail(AK_ERR_LIMIT, "image: %lux%lu is larger than %u pixels", width,
                                height, AK_QR_MAX_PIXELS);
        return AK_OK;
}

/* Decodes a PNG into greyscale pixels (*pixels malloc'd, width*height bytes). */
static enum ak_err read_png(unsigned char **pixels, unsigned *width, unsigned *height,
                            const void *data, size_t len)
{
        png_image image;
        png_color white = {255, 255, 255};
        unsigned char *buf;
        enum ak_err rc;

        memset(&image, 0, sizeof(image));
        image.version = PNG_IMAGE_VERSION;
        if (!png_image_begin_read_from_memory(&image, data, len))
                return ak__fail(AK_ERR_IMAGE, "PNG: %s", image.message);
        rc = check_size(image.width, image.height);
        if (rc != AK_OK) {
                png_image_free(&image);
                return rc;
        }
        image.format = PNG_FORMAT_GRAY;
        buf = malloc(PNG_IMAGE_SIZE(image));
        if (buf == NULL) {
                png_image_free(&image);
                return AK_ERR_NOMEM;
        }
        /* Transparent pixels are composed onto white, as a QR code is printed. */
        if (!png_image_finish_read(&image, &white, buf, 0, NULL)) {
                free(buf);
                png_image_free(&image);
                return ak__fail(AK_ERR_IMAGE, "PNG: %s", image.message);
        }
        *pixels = buf;
        *width = image.width;
        *height = image.height;
        return AK_OK;
}

struct jpeg_failure {
        struct jpeg_error_mgr mgr;
        jmp_buf jump;
};

/* libjpeg would exit(); jump back to read_jpeg instead. */
static void jpeg_fail(j_common_ptr cinfo)
{
        struct jpeg_failure *f = (struct jpeg_failure *)cinfo->err;
        longjmp(f->jump, 1);
}

/* The library never prints: libjpeg's warnings are dropped. */
static void jpeg_quiet(j_common_ptr cinfo)
{
        (void)cinfo;
}

/* Decodes a JPEG into greyscale pixels (*pixels malloc'd, width*height bytes). */
static enum ak_err read_jpeg(unsigned char **pixels, unsigned *width, unsigned *height,
                             const void *data, size_t len)
{
        struct jpeg_decompress_struct cinfo;
        struct jpeg_failure failure;
        unsigned char *volatile buf = NULL;
        enum ak_err rc;

        memset(&cinfo, 0, sizeof(cinfo));
        cinfo.err = jpeg_std_error(&failure.mgr);
        failure.mgr.error_exit = jpeg_fail;
        failure.mgr.output_message = jpeg_quiet;
        if (setjmp(failure.jump)) {
                jpeg_destroy_decompress(&cinfo);
                free(buf);
                return ak__fail(AK_ERR_IMAGE, "JPEG: cannot be decoded");
        }
        jpeg_create_decompress(&cinfo);
        jpeg_mem_src(&cinfo, (const unsigned char *)data, (unsigned long)len);
        if (jpeg_read_header(&cinfo, TRUE) != JPEG_HEADER_OK) {
                jpeg_destroy_decompress(&cinfo);
                return ak__fail(AK_ERR_IMAGE, "JPEG: no image");
        }
        rc = check_size(cinfo.image_width, cinfo.image_height);
        if (rc != AK_OK) {
                jpeg_destroy_decompress(&cinfo);
                return rc;
        }
        cinfo.out_color_space = JCS_GRAYSCALE;
        jpeg_start_decompress(&cinfo);
        buf = malloc((size_t)cinfo.output_width * cinfo.output_height);
        if (buf == NULL || cinfo.output_components != 1) {
                jpeg_destroy_decompress(&cinfo);
                free(buf);
                return buf ? ak__fail(AK_ERR_IMAGE, "JPEG: cannot be made greyscale")
                           : AK_ERR_NOMEM;
        }
        while (cinfo.output_scanline < cinfo.output_height) {
                unsigned char *row = buf + (size_t)cinfo.output_scanline * cinfo.output_width;
                jpeg_read_scanlines(&cinfo, &row, 1);
        }
        jpeg_finish_decompress(&cinfo);
        *pixels = buf;
        *width = cinfo.output_width;
        *height = cinfo.output_height;
        jpeg_destroy_decompress(&cinfo);
        return AK_OK;
}

/* Scans greyscale pixels with zbar, appending each QR code's text to texts/count. */
static enum ak_err scan(char ***texts, size_t *count, const unsigned char *pixels, unsigned width,
                        unsigned height)
{
        zbar_image_scanner_t *scanner = zbar_image_scanner_create();
        zbar_image_t *image = zbar_image_create();
        const zbar_symbol_t *sym;
        enum ak_err rc = AK_OK;

        if (scanner == NULL || image == NULL) {
                rc = AK_ERR_NOMEM;
                goto done;
        }
        zbar_image_scanner_set_config(scanner, 0, ZBAR_CFG_ENABLE, 0);
        zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
        zbar_image_set_format(image, zbar_fourcc('Y', '8', '0', '0'));
        zbar_image_set_size(image, width, height);
        zbar_image_set_data(image, pixels, (unsigned long)width * height, NULL);
        if (zbar_scan_image(scanner, image) < 0) {
                rc = ak__fail(AK_ERR_IMAGE, "the QR scanner failed");
                goto done;
        }
        for (sym = zbar_image_first_symbol(image); sym != NULL; sym = zbar_symbol_next(sym)) {
                const char *data = zbar_symbol_get_data(sym);
                unsigned n = zbar_symbol_get_data_length(sym);
                char **grown;
                if (zbar_symbol_get_type(sym) != ZBAR_QRCODE || data == NULL)
                        continue;
                if (*count >= AK_QR_MAX_CODES) {
                        rc =
                            ak__fail(AK_ERR_LIMIT, "image: more than %d QR codes", AK_QR_MAX_CODES);
                        goto done;
                }
                grown = realloc(*texts, (*count + 1) * sizeof(*grown));
                if (grown == NULL) {
                        rc = AK_ERR_NOMEM;
                        goto done;
                }
                *texts = grown;
                (*texts)[*count] = ak__text_of(data, n);
                if ((*texts)[*count] == NULL) {
                        rc = AK_ERR_NOMEM;
                        goto done;
                }
                (*count)++;
        }
done:
        if (image != NULL) {
                zbar_image_set_data(image, NULL, 0, NULL);
                zbar_image_destroy(image);
        }
        if (scanner != NULL)
                zbar_image_scanner_destroy(scanner);
        return rc;
}

/* Halves the image in place (2x2 averages) for a second look at very large photos. */
static void halve(unsigned char *pixels, unsigned *width, unsigned *height)
{
        unsigned w = *width / 2, h = *height / 2;

        for (unsigned y = 0; y < h; y++)
                for (unsigned x = 0; x < w; x++) {
                        const unsigned char *p = pixels + (size_t)(2 * y) * *width + 2 * x;
                        pixels[(size_t)y * w + x] =
                            (unsigned char)((p[0] + p[1] + p[*width] + p[*width + 1] + 2) / 4);
                }
        *width = w;
        *height = h;
}

void ak_qr_texts_free(char **texts, size_t count)
{
        if (texts == NULL)
                return;
        for (size_t i = 0; i < count; i++)
                ak__free_secret_str(texts[i]);
        free(texts);
}

enum ak_err ak_qr_decode(char ***texts, size_t *count, const void *image, size_t len)
{
        unsigned char *pixels = NULL;
        unsigned width = 0, height = 0;
        char **found = NULL;
        size_t n = 0;
        enum ak_err rc;

        if (is_png(image, len))
                rc = read_png(&pixels, &width, &height, image, len);
        else if (is_jpeg(image, len))
                rc = read_jpeg(&pixels, &width, &height, image, len);
        else
                rc = ak__fail(AK_ERR_IMAGE, "not a PNG or JPEG image");
        if (rc != AK_OK)
                return rc;
        rc = scan(&found, &n, pixels, width, height);
        while (rc == AK_OK && n == 0 && width >= 1200 && height >= 1200) {
                halve(pixels, &width, &height);
                rc = scan(&found, &n, pixels, width, height);
        }
        if (rc == AK_OK && n == 0)
                rc = ak__fail(AK_ERR_NO_QR, "%ux%u pixels scanned", width, height);
        sodium_memzero(pixels, (size_t)width * height);
        free(pixels);
        if (rc != AK_OK) {
                ak_qr_texts_free(found, n);
                return rc;
        }
        *texts = found;
        *count = n;
        return AK_OK;
}

/* ----- writing ----- */

static enum ak_err encode(QRcode **out, const char *text)
{
        QRcode *qr = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);

        if (qr == NULL)
                qr = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_L);
        if (qr == NULL)
                return ak__fail(AK_ERR_LIMIT, "QR: the text does not fit one QR code");
        *out = qr;
        return AK_OK;
}

enum ak_err ak_qr_png(unsigned char **out, size_t *len, const char *text, unsigned scale)
{
        QRcode *qr = NULL;
        png_image image;
        unsigned char *pixels = NULL, *png = NULL;
        png_alloc_size_t png_len = 0;
        unsigned side;
        enum ak_err rc;

        if (scale == 0 || scale > 32)
                return ak__fail(AK_ERR_INVALID, "scale: %u is outside 1..32", scale);
        rc = encode(&qr, text);
        if (rc != AK_OK)
                return rc;
        side = ((unsigned)qr->width + 8) * scale;
        pixels = malloc((size_t)side * side);
        if (pixels == NULL) {
                rc = AK_ERR_NOMEM;
                goto done;
        }
        memset(pixels, 255, (size_t)side * side);
        for (int y = 0; y < qr->width; y++)
                for (int x = 0; x < qr->width; x++) {
                        if (!(qr->data[y * qr->width + x] & 1))
                                continue;
                        for (unsigned dy = 0; dy < scale; dy++)
                                memset(pixels + ((size_t)(y + 4) * scale + dy) * side +
                                           (size_t)(x + 4) * scale,
                                       0, scale);
                }
        memset(&image, 0, sizeof(image));
        image.version = PNG_IMAGE_VERSION;
        image.width = side;
        image.height = side;
        image.format = PNG_FORMAT_GRAY;
        if (!png_image_write_get_memory_size(image, png_len, 0, pixels, 0, NULL)) {
                rc = ak__fail(AK_ERR_IMAGE, "PNG: %s", image.message);
                goto done;
        }
        png = malloc(png_len);
        if (png == NULL) {
                rc = AK_ERR_NOMEM;
                goto done;
        }
        if (!png_image_write_to_memory(&image, png, &png_len, 0, pixels, 0, NULL)) {
                rc = ak__fail(AK_ERR_IMAGE, "PNG: %s", image.message);
                goto done;
        }
        *out = png;
        *len = png_len;
        png = NULL;
done:
        free(png);
        free(pixels);
        QRcode_free(qr);
        return rc;
}

enum ak_err ak_qr_terminal(char **out, const char *text)
{
        /*
         * Light modules are drawn, dark ones left as the (dark) terminal
         * background, as `qrencode -t UTF8` does; two module rows a line.
         */
        static const char *const cells[4] = {" ", "\xe2\x96\x84", "\xe2\x96\x80", "\xe2\x96\x88"};
        QRcode *qr = NULL;
        enum ak_err rc = encode(&qr, text);
        int side, margin = 2;
        char *buf, *o;

        if (rc != AK_OK)
                return rc;
        side = qr->width + 2 * margin;
        buf = malloc((size_t)(side / 2 + 1) * ((size_t)side * 3 + 1) + 1);
        if (buf == NULL) {
                QRcode_free(qr);
                return AK_ERR_NOMEM;
        }
        o = buf;
        for (int y = 0; y < side; y += 2) {
                for (int x = 0; x < side; x++) {
                        int light_top = 1, light_bottom = 1, qx = x - margin, qy = y - margin;
                        if (qx >= 0 && qx < qr->width && qy >= 0 && qy < qr->width)
                                light_top = !(qr->data[qy * qr->width + qx] & 1);
                        if (qx >= 0 && qx < qr->width && qy + 1 >= 0 && qy + 1 < qr->width)
                                light_bottom = !(qr->data[(qy + 1) * qr->width + qx] & 1);
                        else if (y + 1 >= side)
                                light_bottom = 0;
                        const char *cell = cells[light_top * 2 + light_bottom];
                        size_t n = strlen(cell);
                        memcpy(o, cell, n);
                        o += n;
                }
                *o++ = '\n';
        }
        *o = '\0';
        QRcode_free(qr);
        *out = buf;
        return AK_OK;
}
