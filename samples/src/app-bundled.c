/* app-bundled.c: uses error_at_line from its own bundled lib/libbundle.so.1.
 * gcc -O1 -U_FORTIFY_SOURCE -o app-bundled app-bundled.c -Llib -lbundle -Wl,-rpath,'$ORIGIN/lib' -Wl,--enable-new-dtags
 *   -> verdict loader (the bundled library provides what musl lacks)
 */
void error_at_line(int, int, const char *, unsigned, const char *, ...);
int main(int argc, char **argv) { if (argc > 3) error_at_line(0, 0, __FILE__, __LINE__, "%s", argv[0]); return 0; }
