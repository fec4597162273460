/* backup.c: not written yet. */
