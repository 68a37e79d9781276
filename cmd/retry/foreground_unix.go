//go:build linux || darwin

package main

import (
	"syscall"
	"unsafe"
)

// inForeground reports whether fd is a terminal whose foreground process
// group is retry's own: tcgetpgrp(fd) == getpgrp(). Then a Ctrl-C at that
// terminal reaches the child directly, and retry must not send it again.
func inForeground(fd int) bool {
	var pgrp int32 // pid_t
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.TIOCGPGRP, uintptr(unsafe.Pointer(&pgrp)))
	return errno == 0 && int(pgrp) == syscall.Getpgrp()
}

// stdinInForeground is inForeground for retry's stdin.
func stdinInForeground() bool { return inForeground(syscall.Stdin) }
