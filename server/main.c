/* Placeholder until the server is written. */
#include <stdio.h>

int main(void)
{
	fputs("authkeepd: not available yet\n", stderr);
	return 1;
}
