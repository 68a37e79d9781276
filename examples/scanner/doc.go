// Package scanner is the NOP backend scanner's ping_sweep and port_scan, in
// Go: it runs the real nmap binary with XML output (-oX -), parses it into
// Hosts and Ports, and retries transient failures with retry.Do around a
// circuit breaker (retry outside, breaker inside, so that every run counts).
//
//	s, err := scanner.New(scanner.Timeout(2 * time.Minute))
//	hosts, err := s.PingSweep(ctx, []string{"10.0.0.0/24"})       // nmap -sn
//	host, err := s.PortScan(ctx, "10.0.0.7", "22,80,8000-8100")   // nmap -sT -p
//
// It is an application of the toolkit, in a module of its own, not part of
// it.
//
// # Commands
//
// PingSweep runs
//
//	nmap -sn -n -oX - [-6] -- TARGET...
//
// and PortScan runs
//
//	nmap -sT -n [-Pn] -p PORTS -oX - [-6] -- TARGET
//
// -sT (TCP connect) works without privileges and matches ConnectScan; -Pn
// (no host discovery) is added for loopback targets only; -n turns off
// reverse DNS, so a scan makes no lookups beyond its own target names; -6 is
// added for IPv6 targets. Arguments are passed to nmap directly, never
// through a shell, and every target and port list is validated first.
//
// # What is retried
//
// Bad input is rejected before nmap runs, with an *InputError naming the
// value (it matches ErrInvalidInput and is never retried): a target that is
// not an IP address, a CIDR prefix (at most 65,536 addresses) or an RFC 1123
// hostname, or that starts with '-' or holds shell metacharacters; a port
// list that is not comma-separated ports and ranges from 1 to 65535. A
// missing nmap binary is an error matching exec.ErrNotFound, not retried.
//
// A run that fails is a *RunError, classified by how nmap ended, since nmap
// exits with status 1 for every fatal error and its stderr is the only other
// signal:
//
//   - transient, retried: killed by a signal; over the per-run Timeout
//     (ErrTimeout); any exit whose stderr says "Failed to resolve" or
//     "Temporary failure in name resolution" (nmap reports an unresolvable
//     name with status 0 and scans the rest); a non-zero exit whose stderr
//     names a resource shortage: "Resource temporarily unavailable", "Too
//     many open files", "Cannot allocate memory", "No buffer space
//     available" or "Malloc Failed";
//   - permanent, not retried: any other non-zero exit (usage errors,
//     "QUITTING!"), output that is not nmap XML, and XML whose runstats
//     report an error.
//
// A name that does not exist is therefore retried like a DNS outage, within
// the retry limits. A run the breaker rejects fails at once with an error
// matching breaker.ErrOpen, without running nmap.
//
// # Without nmap
//
// ConnectScan is a pure-Go TCP connect scan with the same results as
// PortScan: open (connected), closed (refused) or filtered (no answer
// within DialTimeout). The Fallback option makes PortScan use it when nmap
// is missing.
//
// # In the shell
//
// The command-line tool of the toolkit retries the same commands:
//
//	retry run --attempts 3 --attempt-timeout 5m -- nmap -sn -n 127.0.0.1 -oX -
//
// retries every non-zero exit, a kill and a timeout, but cannot tell a
// usage error from a transient one, nor see "Failed to resolve" with status
// 0; ParseXML reads its saved output.
package scanner
