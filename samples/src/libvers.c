/* libvers.c: a shared library with symbol versions (libvers.map): foo@VERS_1 is the old,
 * non-default (hidden) definition, foo@@VERS_2 the default; bar@@VERS_1.
 * gcc -shared -fPIC -Wl,--version-script=libvers.map -Wl,-soname,libvers.so.1 -o lib/libvers.so.1 libvers.c
 * app-vers links it: gcc -o app-vers app-vers.c lib/libvers.so.1 -Wl,-rpath,'$ORIGIN/lib'
 *   -> app-vers imports foo@VERS_2 and bar@VERS_1 from libvers.so.1; verdict loader
 */
int foo_v1(void) { return 1; }
int foo_v2(void) { return 2; }
int bar(void) { return 3; }
__asm__(".symver foo_v1,foo@VERS_1");
__asm__(".symver foo_v2,foo@@VERS_2");
