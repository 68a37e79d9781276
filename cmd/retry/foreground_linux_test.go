package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// openPTY opens a pseudo-terminal pair, neither end the caller's
// controlling terminal.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	ioctl := func(req uintptr, arg unsafe.Pointer) {
		if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), req, uintptr(arg)); errno != 0 {
			t.Skipf("pty ioctl %#x: %v", req, errno)
		}
	}
	var unlock int32
	ioctl(syscall.TIOCSPTLCK, unsafe.Pointer(&unlock))
	var n uint32
	ioctl(syscall.TIOCGPTN, unsafe.Pointer(&n))
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	t.Cleanup(func() { tty.Close() })
	return master, tty
}

func TestInForegroundOtherTerminal(t *testing.T) {
	_, tty := openPTY(t)
	if inForeground(int(tty.Fd())) {
		t.Error("a terminal that is not ours has us in its foreground")
	}
}

// TestRunCtrlCReachesChildOnce runs retry as the session leader of a
// pseudo-terminal, so in its foreground process group, and types Ctrl-C:
// the terminal sends INT to retry and the child, and retry must not send
// the child another.
func TestRunCtrlCReachesChildOnce(t *testing.T) {
	master, tty := openPTY(t)
	script, count, ready := intCounter(t)
	wait, _ := startCLI(t, cli{args: []string{"run", "--base-delay", "1ms", "--", script, count, ready}}, func(cmd *exec.Cmd) {
		cmd.Stdin = tty
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	})
	waitFor(t, "the child to start", func() bool { _, err := os.Stat(ready); return err == nil })
	if _, err := master.Write([]byte{3}); err != nil { // ^C
		t.Fatal(err)
	}
	r := wait()
	r.wantCode(t, 3) // the child's own status
	if n := readCount(t, count); n != 1 {
		t.Errorf("the child got %d INTs, want 1", n)
	}
	if !strings.Contains(r.stderr, "retry: got SIGINT; stopped after 1 attempt") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
}
