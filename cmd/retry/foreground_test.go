//go:build linux || darwin

package main

import (
	"os"
	"testing"
)

func TestInForegroundNotATerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if inForeground(int(r.Fd())) {
		t.Error("a pipe is in the foreground")
	}
	if inForeground(-1) {
		t.Error("a bad fd is in the foreground")
	}
}
