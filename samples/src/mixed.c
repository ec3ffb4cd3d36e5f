/* mixed.c: built with musl-gcc but calling a glibc-only ABI name (__fdelt_chk, what glibc's
 * fortified FD_SET emits), as happens when glibc objects leak into a musl build.
 * musl-gcc -O1 -fno-builtin -o mixed mixed.c libfdeltstub.so && patchelf --remove-needed libfdeltstub.so mixed
 *   (see build.sh: the stub only lets the link succeed)   -> verdict rebuild (mixed-libc)
 */
#include <stdio.h>
extern long __fdelt_chk(long);
int main(int argc, char **argv) {
  (void)argv;
  printf("%ld\n", __fdelt_chk((long)argc));
  return 0;
}
