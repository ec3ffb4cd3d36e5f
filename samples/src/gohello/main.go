// gohello: a tiny Go program, built twice (see samples/build.sh):
//
//	CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags='-s -w' -o go/hello-static .
//	  -> static, no libc: verdict ok; toolchain.go = {go1.19.8, cgo false, path example.com/muslcheck/gohello}
//	CGO_ENABLED=1 go build -trimpath -buildvcs=false -ldflags='-s -w' -o go/hello-cgo .
//	  -> dynamic against glibc (greet_cgo.go calls C): the glibc loader and symbols
package main

import "fmt"

func main() {
	fmt.Println(greeting())
}
