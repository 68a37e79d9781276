//go:build !linux && !darwin

package main

// stdinInForeground reports whether stdin is a terminal whose foreground
// process group is retry's own. Where retry cannot tell, it says no, and retry
// forwards INT as it does TERM.
func stdinInForeground() bool { return false }
