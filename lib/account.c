/* account.c: not written yet. */
