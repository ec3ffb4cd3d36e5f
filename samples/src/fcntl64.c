/* fcntl64.c: with -D_FILE_OFFSET_BITS=64 glibc >= 2.28 redirects fcntl to fcntl64, which
 * musl's LFS64 mapping does not cover and Alpine's gcompat 1.1.0 lacks.
 * gcc -O1 -D_FILE_OFFSET_BITS=64 -o fcntl64 fcntl64.c   -> verdict rebuild
 */
#include <fcntl.h>
#include <stdio.h>
int main(void) { printf("%d\n", fcntl(0, F_GETFL)); return 0; }
