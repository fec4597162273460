/*
 * What the load programs of bench/ share (push_load.c, signin_load.c):
 * define LOAD_NAME to the program's name, then include this.
 */
#ifndef AUTHKEEP_BENCH_LOAD_H
#define AUTHKEEP_BENCH_LOAD_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Prints "NAME: MESSAGE" on standard error and exits 1. */
static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        fputs(LOAD_NAME ": ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
        exit(1);
}

/* Seconds on the monotonic clock. */
static double now(void)
{
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

#endif
