/* bundle.c: libbundle.so.1, shipped beside its program in lib/, defines error_at_line
 * (a glibc-only name musl lacks). The program finds it through RUNPATH $ORIGIN/lib, so
 * in-tree resolution makes the name available.
 * gcc -O1 -shared -fPIC -Wl,-soname,libbundle.so.1 -o lib/libbundle.so.1 bundle.c
 */
#include <stdarg.h>
#include <stdio.h>
void error_at_line(int status, int errnum, const char *file, unsigned line, const char *fmt, ...) {
  va_list ap;
  (void)status; (void)errnum;
  fprintf(stderr, "%s:%u: ", file, line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
}
