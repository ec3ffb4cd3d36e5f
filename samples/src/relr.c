/* relr.c: a musl PIE linked with packed relative relocations (DT_RELR). musl's loader
 * applies DT_RELR from 1.2.4 on; 1.2.3 ignores it and the program crashes on its first use
 * of a relocated pointer (Alpine 3.17).
 * musl-gcc -O2 -fPIE -pie -Wl,-z,pack-relative-relocs -o relr-musl relr.c
 *   -> verdict ok on alpine:3.18 and later; rebuild (relr-unsupported) on alpine:3.17
 */
#include <stdio.h>
static const char *const words[] = { "packed", "relative", "relocations" };
int main(void) {
  for (unsigned i = 0; i < sizeof words / sizeof words[0]; i++) puts(words[i]);
  return 0;
}
