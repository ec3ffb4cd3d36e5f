/* closerange.c: close_range (glibc 2.34) and canonicalize_file_name are glibc APIs musl
 * lacks and no Alpine package provides: the source must change.
 * gcc -O1 -U_FORTIFY_SOURCE -o closerange closerange.c   -> verdict patch
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv) {
  char *p = canonicalize_file_name(argc > 1 ? argv[1] : ".");
  close_range(3, ~0U, 0);
  puts(p ? p : "?");
  free(p);
  return 0;
}
