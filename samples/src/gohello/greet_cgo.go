//go:build cgo

package main

/*
#include <stdlib.h>
#include <string.h>
static char *greet(void) { return strdup("hello from cgo"); }
*/
import "C"
import "unsafe"

func greeting() string {
	p := C.greet()
	defer C.free(unsafe.Pointer(p))
	return C.GoString(p)
}
