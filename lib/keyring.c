/* keyring.c: not written yet. */
