package scanner

import (
	"bytes"
	"cmp"
	"encoding/xml"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
)

// maxPorts bounds the port entries of one document, extraports expanded and
// duplicates included, so that a hostile file cannot make ParseXML work or
// allocate without limit.
const maxPorts = 1 << 20

// ParseXML parses nmap's XML output (-oX) into the hosts it lists, in
// nmap's order, each with its ports in ascending order. Ports that nmap
// summarises under extraports are listed one by one when nmap names them
// (its extrareasons ports attribute, nmap 7.80 and later).
//
// It returns an error when data is not nmap XML, when a host has no valid
// IP address or a port is malformed, when the document lists more than
// 2^20 ports, and when nmap's own summary reports an error (the error
// holds nmap's message). It is safe for concurrent use.
func ParseXML(data []byte) ([]Host, error) {
	run, err := parseRun(data)
	if err != nil {
		return nil, err
	}
	if run.exit == "error" {
		return nil, fmt.Errorf("scanner: nmap reported an error: %s", run.errmsg)
	}
	return run.hosts, nil
}

// run is what an nmap document reports.
type run struct {
	hosts  []Host
	exit   string // runstats: "success" or "error"; "" when missing
	errmsg string // runstats: nmap's error message
}

// parseRun decodes data without judging nmap's exit.
func parseRun(data []byte) (*run, error) {
	var doc xmlRun
	if err := xml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		return nil, fmt.Errorf("scanner: not nmap XML: %w", err)
	}
	r := &run{exit: doc.Finished.Exit, errmsg: doc.Finished.ErrorMsg}
	budget := maxPorts
	for i := range doc.Hosts {
		h, err := doc.Hosts[i].host(&budget)
		if err != nil {
			return nil, fmt.Errorf("scanner: nmap XML: host %d: %w", i+1, err)
		}
		r.hosts = append(r.hosts, h)
	}
	return r, nil
}

type xmlRun struct {
	XMLName  xml.Name  `xml:"nmaprun"`
	Hosts    []xmlHost `xml:"host"`
	Finished struct {
		Exit     string `xml:"exit,attr"`
		ErrorMsg string `xml:"errormsg,attr"`
	} `xml:"runstats>finished"`
}

type xmlHost struct {
	Status    xmlState `xml:"status"`
	Addresses []struct {
		Addr string `xml:"addr,attr"`
		Type string `xml:"addrtype,attr"`
	} `xml:"address"`
	Hostnames []struct {
		Name string `xml:"name,attr"`
	} `xml:"hostnames>hostname"`
	Ports      []xmlPort `xml:"ports>port"`
	ExtraPorts []struct {
		State   string `xml:"state,attr"`
		Reasons []struct {
			Reason string `xml:"reason,attr"`
			Proto  string `xml:"proto,attr"`
			Ports  string `xml:"ports,attr"`
		} `xml:"extrareasons"`
	} `xml:"ports>extraports"`
}

type xmlState struct {
	State  string `xml:"state,attr"`
	Reason string `xml:"reason,attr"`
}

type xmlPort struct {
	Protocol string   `xml:"protocol,attr"`
	PortID   string   `xml:"portid,attr"`
	State    xmlState `xml:"state"`
	Service  struct {
		Name string `xml:"name,attr"`
	} `xml:"service"`
}

// host converts x, spending from budget for each port.
func (x *xmlHost) host(budget *int) (Host, error) {
	h := Host{State: x.Status.State, Reason: x.Status.Reason}
	for _, a := range x.Addresses {
		switch a.Type {
		case "ipv4", "ipv6":
			addr, err := netip.ParseAddr(a.Addr)
			if err != nil {
				return Host{}, fmt.Errorf("bad address %q", a.Addr)
			}
			h.Addr = addr
		case "mac":
			h.MAC = a.Addr
		}
	}
	if !h.Addr.IsValid() {
		return Host{}, errors.New("no IP address")
	}
	for _, n := range x.Hostnames {
		h.Hostnames = append(h.Hostnames, n.Name)
	}
	ports, err := x.ports(budget)
	if err != nil {
		return Host{}, err
	}
	h.Ports = ports
	return h, nil
}

// ports lists x's ports, extraports expanded, sorted by number and then
// protocol, each (number, protocol) once.
func (x *xmlHost) ports(budget *int) ([]Port, error) {
	seen := map[string]*portSet{}
	var out []Port
	add := func(p Port) error {
		set := seen[p.Protocol]
		if set == nil {
			if len(seen) == 8 {
				return errors.New("too many protocols")
			}
			set = new(portSet)
			seen[p.Protocol] = set
		}
		if *budget--; *budget < 0 {
			return fmt.Errorf("more than %d ports", maxPorts)
		}
		if set.has(p.Number) {
			return nil
		}
		set.add(p.Number)
		out = append(out, p)
		return nil
	}
	for _, p := range x.Ports {
		n, err := strconv.Atoi(p.PortID)
		if err != nil || n < 0 || n > 65535 || p.PortID != strconv.Itoa(n) {
			return nil, fmt.Errorf("bad port %q", p.PortID)
		}
		if err := add(Port{Number: n, Protocol: p.Protocol, State: p.State.State,
			Reason: p.State.Reason, Service: p.Service.Name}); err != nil {
			return nil, err
		}
	}
	for _, e := range x.ExtraPorts {
		for _, r := range e.Reasons {
			if r.Ports == "" {
				continue // an older nmap: only a count
			}
			set, err := parsePorts(r.Ports, 0)
			if err != nil {
				return nil, fmt.Errorf("bad extraports list %q", r.Ports)
			}
			for _, n := range set.list() {
				if err := add(Port{Number: n, Protocol: r.Proto, State: e.State, Reason: r.Reason}); err != nil {
					return nil, err
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b Port) int {
		return cmp.Or(cmp.Compare(a.Number, b.Number), cmp.Compare(a.Protocol, b.Protocol))
	})
	return out, nil
}
