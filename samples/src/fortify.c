/* fortify.c: _FORTIFY_SOURCE=2 makes glibc's headers emit __printf_chk, __snprintf_chk,
 * __memcpy_chk...; error() is a GNU extension. All are in gcompat, none in musl.
 * gcc -O2 -D_FORTIFY_SOURCE=2 -o fortify fortify.c   -> verdict gcompat
 */
#include <error.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
  char buf[64], in[16];
  snprintf(buf, sizeof buf, "%s has %d args", argv[0], argc);
  memcpy(buf + 1, argv[0], strlen(argv[0]) % 16);
  printf("%s\n", buf);
  if (read(0, in, (size_t)argc) < 0) error(1, 0, "read failed");
  return 0;
}
