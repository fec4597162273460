/*
 * Which server URLs a client accepts (ak_client_check_url,
 * include/authkeep/client.h): https://, or plain http:// to loopback only.
 * Apart from the calls in client_http.c, so that a program that only checks
 * a URL and makes its own exchanges through ak_http_curl (the PAM module)
 * links this rule without the vault and the device keys behind the calls.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "authkeep/authkeep.h"
#include "internal.h"

/* True when `host` (IPv6 without brackets) is loopback. */
static bool host_is_loopback(const char *host)
{
        struct in_addr v4;
        struct in6_addr v6;

        if (strcasecmp(host, "localhost") == 0)
                return true;
        if (inet_pton(AF_INET, host, &v4) == 1)
                return (ntohl(v4.s_addr) >> 24) == 127;
        if (inet_pton(AF_INET6, host, &v6) == 1)
                return IN6_IS_ADDR_LOOPBACK(&v6);
        return false;
}

/* The characters of a host name or IPv4 address, and of an IPv6 address in brackets. */
static bool host_char(char c, bool bracketed)
{
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '.' || c == '-')
                return true;
        return bracketed ? c == ':' || c == '%' : c == '_';
}

/*
 * Reads scheme://host[:port][/path] as a server URL is written: no user
 * name, no password. `host` receives the host (an IPv6 address without its
 * brackets). False when it is not of that form.
 */
static bool parse_url(const char *url, char *scheme, size_t scheme_cap, char *host, size_t host_cap)
{
        const char *p = strstr(url, "://"), *h, *end;
        bool bracketed;
        size_t n;

        if (p == NULL || p == url || (size_t)(p - url) >= scheme_cap)
                return false;
        memcpy(scheme, url, (size_t)(p - url));
        scheme[p - url] = '\0';
        h = p + 3;
        bracketed = *h == '[';
        if (bracketed)
                h++;
        for (end = h; *end != '\0' && host_char(*end, bracketed); end++)
                ;
        n = (size_t)(end - h);
        if (n == 0 || n >= host_cap)
                return false;
        memcpy(host, h, n);
        host[n] = '\0';
        if (bracketed && *end++ != ']')
                return false;
        if (*end == ':') {
                unsigned long port = 0;
                const char *digits = ++end;
                while (*end >= '0' && *end <= '9' && port <= 65535)
                        port = port * 10 + (unsigned long)(*end++ - '0');
                if (end == digits || port == 0 || port > 65535)
                        return false;
        }
        return *end == '\0' || *end == '/' || *end == '?';
}

enum ak_err ak_client_check_url(const char *url, bool insecure)
{
        char scheme[16], host[256];

        if (url == NULL || *url == '\0')
                return ak__fail(AK_ERR_INVALID, "server: no URL given");
        if (strlen(url) > 2048)
                return ak__fail(AK_ERR_INVALID, "server: the URL is too long");
        if (!parse_url(url, scheme, sizeof(scheme), host, sizeof(host)))
                return ak__fail(AK_ERR_INVALID,
                                "server: '%s' is not a URL (expected https://HOST[:PORT])", url);
        if (strcasecmp(scheme, "https") == 0)
                return AK_OK;
        if (strcasecmp(scheme, "http") != 0)
                return ak__fail(AK_ERR_INVALID,
                                "server: unsupported scheme '%s' (expected https://)", scheme);
        if (!insecure && !host_is_loopback(host))
                return ak__fail(AK_ERR_INSECURE, "server: %s", url);
        return AK_OK;
}
