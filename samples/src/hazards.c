/* hazards.c: resolves on musl but behaves differently: GNU strerror_r (musl has the XSI
 * one), pthread_create with musl's 128 KiB default stack, dlclose as a no-op.
 * gcc -O1 -U_FORTIFY_SOURCE -pthread -o hazards hazards.c -ldl   -> verdict loader, with notes
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
static void *work(void *a) { return a; }
int main(void) {
  char buf[64];
  pthread_t t;
  puts(strerror_r(2, buf, sizeof buf));
  pthread_create(&t, 0, work, 0);
  pthread_join(t, 0);
  void *h = dlopen("libm.so.6", RTLD_NOW);
  if (h) dlclose(h);
  return 0;
}
