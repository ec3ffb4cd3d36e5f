/* static-nss.c: a static glibc program that uses NSS (getpwnam) and dlopen. glibc's static
 * NSS loads libnss_<service>.so.2 for any nsswitch.conf service other than its built-in
 * files/dns, and its static dlopen needs shared libraries of the exact glibc it was linked
 * with: neither exists on Alpine. The linker warns about both; that is expected.
 * gcc -O2 -static -o static-nss static-nss.c   -> verdict rebuild (static-nss)
 */
#include <dlfcn.h>
#include <pwd.h>
#include <stdio.h>
int main(int argc, char **argv) {
  struct passwd *pw = getpwnam(argc > 1 ? argv[1] : "root");
  void *h = dlopen("libm.so.6", RTLD_NOW);
  printf("%s %s\n", pw ? pw->pw_dir : "(no such user)", h ? "dlopen ok" : dlerror());
  return 0;
}
