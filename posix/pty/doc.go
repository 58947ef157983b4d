// Package pty is the app's own pseudo-terminals, in the spirit of Linux's
// devpts and gVisor's: /dev/ptmx (5:2) and a devpts filesystem (mounted on
// /dev/pts, and by the app with mount -t devpts) whose slaves /dev/pts/N
// (136:N) appear when ptmx is opened and go when the master is released.
// Nothing of it is a host terminal: the line discipline (termios, echo,
// canonical editing, VMIN/VTIME, keyboard signals, window size) and the
// controlling-terminal rules run here, over the kernel's sessions and
// process groups (kernel/ctty.go, kernel/terminal.go's access rules).
//
// Limits: one devpts instance (a second mount shows the same slaves, as
// devtmpfs does here); its options are Linux's defaults (slave mode 0600,
// group of the opener, ptmxmode 0000); no packet mode (TIOCPKT), no
// TIOCSTI, no flow control (IXON's ^S/^Q are ordinary characters);
// TIOCNOTTY by a process that does not lead its session leaves the
// session's terminal as it is.
package pty
