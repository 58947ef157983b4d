//go:build !elfloader_lean

package main

// leanBuild: this is elfloader-full, every feature linked in
// (docs/binaries.md).
const leanBuild = false
