/* uri.c: not written yet. */
