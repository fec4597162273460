/* fileio.c: not written yet. */
