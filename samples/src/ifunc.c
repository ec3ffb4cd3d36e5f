/* ifunc.c: a GNU indirect function in the executable leaves an R_X86_64_IRELATIVE
 * relocation, which musl's loader rejects: "unsupported relocation type 37".
 * gcc -O1 -U_FORTIFY_SOURCE -fPIE -pie -o ifunc ifunc.c   -> verdict rebuild
 */
#include <stdio.h>
static int impl(void) { return 42; }
static int (*resolve_answer(void))(void) { return impl; }
int answer(void) __attribute__((ifunc("resolve_answer")));
int main(void) { printf("%d\n", answer()); return 0; }
