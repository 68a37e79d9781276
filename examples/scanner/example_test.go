package scanner_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/examples/scanner"
)

// ports returns a port where a server listens and one where none does.
func ports() (web, gone int, stop func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	free.Close()
	return ln.Addr().(*net.TCPAddr).Port, free.Addr().(*net.TCPAddr).Port, func() { ln.Close() }
}

// show prints h's ports in the order of names.
func show(h *scanner.Host, names map[int]string, order ...int) {
	fmt.Println(h.Addr, h.State)
	for _, n := range order {
		for _, p := range h.Ports {
			if p.Number == n {
				fmt.Printf("%s/%s %s (%s)\n", names[n], p.Protocol, p.State, p.Reason)
			}
		}
	}
}

func ExampleScanner_ConnectScan() {
	web, gone, stop := ports()
	defer stop()

	s, err := scanner.New()
	if err != nil {
		panic(err)
	}
	h, err := s.ConnectScan(context.Background(), "127.0.0.1", fmt.Sprintf("%d,%d", web, gone))
	if err != nil {
		fmt.Println(err)
		return
	}
	show(h, map[int]string{web: "web", gone: "gone"}, web, gone)
	// Output:
	// 127.0.0.1 up
	// web/tcp open (syn-ack)
	// gone/tcp closed (conn-refused)
}

// With Fallback, PortScan works on a machine without nmap.
func ExampleFallback() {
	web, gone, stop := ports()
	defer stop()

	s, err := scanner.New(
		scanner.NmapPath("/nowhere/nmap"), // as on a machine without nmap
		scanner.Fallback(true),
	)
	if err != nil {
		panic(err)
	}
	h, err := s.PortScan(context.Background(), "127.0.0.1", fmt.Sprintf("%d,%d", web, gone))
	if err != nil {
		fmt.Println(err)
		return
	}
	show(h, map[int]string{web: "web", gone: "gone"}, web, gone)

	_, err = s.PortScan(context.Background(), "127.0.0.1;reboot", "22")
	fmt.Println(err)
	// Output:
	// 127.0.0.1 up
	// web/tcp open (syn-ack)
	// gone/tcp closed (conn-refused)
	// scanner: invalid target "127.0.0.1;reboot": holds ';': only letters, digits and . - : / may appear (no spaces or shell metacharacters)
}

func ExampleParseXML() {
	// Saved by: nmap -sT -Pn -n -p 59197,41353,33193 -oX - -- 127.0.0.1
	data, err := os.ReadFile("testdata/portscan.xml")
	if err != nil {
		panic(err)
	}
	hosts, err := scanner.ParseXML(data)
	if err != nil {
		panic(err)
	}
	for _, h := range hosts {
		fmt.Println(h.Addr, h.State, h.OpenPorts())
		for _, p := range h.Ports {
			fmt.Println(p.Number, p.State)
		}
	}
	// Output:
	// 127.0.0.1 up [41353 59197]
	// 33193 closed
	// 41353 open
	// 59197 open
}

// PingSweep needs nmap, so this example is not run.
func ExampleScanner_PingSweep() {
	s, err := scanner.New(
		scanner.Timeout(2*time.Minute), // per nmap run; default 5m
		scanner.Retry(retry.MaxAttempts(3), retry.BaseDelay(time.Second)),
	)
	if err != nil {
		panic(err)
	}
	hosts, err := s.PingSweep(context.Background(), []string{"127.0.0.1"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, h := range hosts {
		fmt.Println(h.Addr, h.State, h.Reason)
	}
}

// PortScan needs nmap, so this example is not run.
func ExampleScanner_PortScan() {
	s, err := scanner.New()
	if err != nil {
		panic(err)
	}
	h, err := s.PortScan(context.Background(), "127.0.0.1", "22,80,8000-8100")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(h.Addr, "open:", h.OpenPorts())
}
