/* otp.c: not written yet. */
