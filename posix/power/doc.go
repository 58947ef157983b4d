// Package power serves reboot(2): the unikernel's power button. POWER_OFF
// and HALT end the unikernel (every process gets SIGTERM, a grace period,
// then SIGKILL; elfloader exits 0); RESTART and RESTART2 end it the same
// way and ask elfloader to start the app again from a fresh state;
// CAD_ON/CAD_OFF choose what a host SIGINT does. The policy of what
// happens next (restart bounds) belongs to cmd/elfloader (docs/reboot.md).
//
// It depends on kernel, shim and abi only.
package power
