//go:build !cgo

package main

func greeting() string { return "hello from pure Go" }
