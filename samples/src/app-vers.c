/* app-vers.c: imports versioned symbols from the bundled lib/libvers.so.1 (see libvers.c). */
#include <stdio.h>
int foo(void);
int bar(void);
int main(void) { printf("%d %d\n", foo(), bar()); return 0; }
