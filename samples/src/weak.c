/* weak.c: a weak import of a function nobody defines never fails to load.
 * gcc -O1 -U_FORTIFY_SOURCE -o weak weak.c   -> verdict loader
 */
#include <stdio.h>
extern void optional_hook(void) __attribute__((weak));
int main(void) { if (optional_hook) optional_hook(); puts("ok"); return 0; }
