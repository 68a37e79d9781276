package scanner

import "net/netip"

// Host is one host that a scan reported. PingSweep returns the hosts that are
// up; PortScan and ConnectScan return the scanned host with its ports. A Host
// is a plain value, safe to share once returned.
type Host struct {
	// Addr is the host's IP address.
	Addr netip.Addr
	// MAC is the hardware address nmap saw on a local network, such as
	// "02:42:AC:11:00:02"; "" when unknown (always, for loopback and
	// ConnectScan).
	MAC string
	// Hostnames are the host's names as nmap reported them: for PingSweep
	// and PortScan, the target name given, if any, since they turn reverse
	// DNS off; ParseXML also reports names from reverse DNS.
	Hostnames []string
	// State is "up" or "down".
	State string
	// Reason is why nmap judged the state, such as "echo-reply",
	// "localhost-response", "syn-ack" or "user-set" (no discovery, -Pn).
	Reason string
	// Ports are the scanned ports in ascending order, one per requested
	// port (ports that nmap summarises as "extraports" are listed one by
	// one); nil for PingSweep.
	Ports []Port
}

// Port is the state of one scanned port.
type Port struct {
	// Number is the port number, 1 to 65535 (0 only in ParseXML's input).
	Number int
	// Protocol is "tcp" (or, in ParseXML's input, "udp", "sctp"...).
	Protocol string
	// State is "open", "closed" or "filtered" (nmap may also report
	// "unfiltered", "open|filtered" and "closed|filtered").
	State string
	// Reason is why, such as "syn-ack" (connected), "conn-refused" or
	// "no-response".
	Reason string
	// Service is nmap's guess from its port table, such as "ssh"; "" when
	// it has none, and always in ConnectScan.
	Service string
}

// Port states that ConnectScan reports; nmap may report others (see
// Port.State).
const (
	Open     = "open"
	Closed   = "closed"
	Filtered = "filtered"
)

// OpenPorts returns the numbers of h's open ports, in ascending order.
func (h *Host) OpenPorts() []int {
	var out []int
	for _, p := range h.Ports {
		if p.State == Open {
			out = append(out, p.Number)
		}
	}
	return out
}
