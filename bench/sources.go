package bench

import "embed"

// cSources holds the workload programs of bench/c, so that the harness finds
// them wherever it runs from.
//
//go:embed c/*.c
var cSources embed.FS
