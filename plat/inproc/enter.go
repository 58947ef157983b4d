package inproc

/*
#include "ctx.h"
*/
import "C"

import "github.com/elfloader/elfloader/plat/inproc/enter"

// epEnter is ep_enter's address, for enter.App.
var epEnter = uintptr(C.ep_enter_addr())

// enterApp runs the app of context c until its next event (see package
// enter: a direct call, not a cgo call).
func enterApp(c uintptr) uint64 { return enter.App(epEnter, c) }
