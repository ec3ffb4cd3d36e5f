/* pyext.c: a CPython extension built on glibc (manylinux-style): Py* names are the host's.
 * gcc -O2 -D_FORTIFY_SOURCE=2 -shared -fPIC -o demo.cpython-311-x86_64-linux-gnu.so pyext.c   -> verdict gcompat; the fix is the musllinux wheel
 */
#include <stdio.h>
typedef struct _object PyObject;
extern PyObject *PyUnicode_FromString(const char *);
PyObject *demo(int n) {
  char buf[32];
  snprintf(buf, sizeof buf, "demo %d", n);
  return PyUnicode_FromString(buf);
}
