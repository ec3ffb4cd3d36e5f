/* addon.c: a Node-API addon built on glibc. It leaves the host's napi_* undefined and
 * uses _FORTIFY_SOURCE names.
 * gcc -O2 -D_FORTIFY_SOURCE=2 -shared -fPIC -o addon.node addon.c   -> verdict gcompat; the fix is the -musl sibling package
 */
#include <stdio.h>
typedef struct napi_env__ *napi_env;
typedef struct napi_value__ *napi_value;
extern int napi_create_string_utf8(napi_env, const char *, size_t, napi_value *);
napi_value hello(napi_env env, int n) {
  char buf[32];
  napi_value out;
  snprintf(buf, sizeof buf, "hello %d", n);
  napi_create_string_utf8(env, buf, (size_t)-1, &out);
  return out;
}
