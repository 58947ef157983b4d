// Command benchall runs elfloader's benchmark table natively and under
// `elfloader run`, side by side, and prints a markdown report.
//
// Usage:
//
//	go run ./bench/cmd/benchall [-only NAME,...] [-runs N] [-write FILE] [-pending]
//
// The elfloader binary is $ELFLOADER when set, otherwise it is built from the
// enclosing checkout. Workloads elfloader cannot run yet are skipped unless
// -pending is given, $ELFLOADER_BENCH_PENDING=1 is set, or they are named in
// -only.
//
// It owns only flag handling and output; the harness is package bench, the
// only project package it depends on.
package main
