package inproc

/*
#include "ctx.h"
*/
import "C"

// The helpers below exist for the cost breakdown benchmarks
// (inproc_test.go, docs/fastpath.md); they never run in a real session.

func benchEmptyCgo() { C.ep_bench_empty() }

func benchXsave(ctx *Context, n int) { C.ep_bench_xsave(ctx.c, C.long(n)) }

func benchFSBase(n int) { C.ep_bench_fsbase(C.long(n)) }
