/* vault.c: not written yet. */
