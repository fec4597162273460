/* srp.c: not written yet. */
