/* hello.c: plain hello world.
 * hello-glibc:  gcc -O1 -U_FORTIFY_SOURCE -o hello-glibc hello.c   -> verdict loader (only the interpreter is wrong)
 * hello-musl:   musl-gcc -O2 -o hello-musl hello.c                   -> verdict ok
 * hello-static: gcc -O2 -static -o hello-static hello.c             -> verdict ok (static)
 */
#include <stdio.h>
int main(void) { puts("hello"); return 0; }
