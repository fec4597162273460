/* base32.c: not written yet. */
