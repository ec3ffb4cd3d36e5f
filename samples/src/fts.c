/* fts.c: fts_open/fts_read are glibc-only (musl FAQ); Alpine's musl-fts provides them.
 * (Debian's musl package exports fts_*; Alpine's musl does not.)
 * gcc -O1 -U_FORTIFY_SOURCE -o fts fts.c   -> verdict shim (musl-fts)
 */
#include <fts.h>
#include <stdio.h>
int main(int argc, char **argv) {
  char *paths[] = {argc > 1 ? argv[1] : ".", 0};
  FTS *f = fts_open(paths, FTS_PHYSICAL, 0);
  FTSENT *e;
  while (f && (e = fts_read(f))) puts(e->fts_path);
  if (f) fts_close(f);
  return 0;
}
