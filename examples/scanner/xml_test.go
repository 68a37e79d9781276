package scanner

import (
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

var loopback = netip.MustParseAddr("127.0.0.1")

// The samples in testdata were captured from nmap 7.93 scanning 127.0.0.1
// with two listeners (ports 41353 and 59197) and a closed port (33193).
func TestParseXMLPortScan(t *testing.T) {
	hosts, err := ParseXML(readSample(t, "portscan.xml"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Host{{Addr: loopback, State: "up", Reason: "user-set", Ports: []Port{
		{Number: 33193, Protocol: "tcp", State: Closed, Reason: "conn-refused"},
		{Number: 41353, Protocol: "tcp", State: Open, Reason: "syn-ack"},
		{Number: 59197, Protocol: "tcp", State: Open, Reason: "syn-ack"},
	}}}
	if !reflect.DeepEqual(hosts, want) {
		t.Fatalf("got %+v\nwant %+v", hosts, want)
	}
	if got := hosts[0].OpenPorts(); !reflect.DeepEqual(got, []int{41353, 59197}) {
		t.Fatalf("OpenPorts() = %v", got)
	}
}

func TestParseXMLExtraPorts(t *testing.T) {
	hosts, err := ParseXML(readSample(t, "portscan_extraports.xml"))
	if err != nil {
		t.Fatal(err)
	}
	ports := hosts[0].Ports
	if len(ports) != 31 {
		t.Fatalf("got %d ports; want 1-30 and 59197 listed one by one", len(ports))
	}
	for i, p := range ports[:30] {
		if p != (Port{Number: i + 1, Protocol: "tcp", State: Closed, Reason: "conn-refused"}) {
			t.Fatalf("port %d: %+v", i+1, p)
		}
	}
	if p := ports[30]; p.Number != 59197 || p.State != Open {
		t.Fatalf("last port %+v", p)
	}
}

func TestParseXMLPingSweep(t *testing.T) {
	hosts, err := ParseXML(readSample(t, "pingsweep.xml"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Host{{Addr: loopback, State: "up", Reason: "localhost-response"}}
	if !reflect.DeepEqual(hosts, want) {
		t.Fatalf("got %+v; want %+v", hosts, want)
	}
}

func TestParseXMLErrors(t *testing.T) {
	tests := []struct {
		give, want string
	}{
		{"", "not nmap XML"},
		{"<html></html>", "not nmap XML"},
		{"<nmaprun><host>", "not nmap XML"},
		{`<nmaprun><runstats><finished exit="error" errormsg="Ports specified must be between 0 and 65535 inclusive"/></runstats></nmaprun>`,
			"nmap reported an error: Ports specified must be between 0 and 65535 inclusive"},
		{`<nmaprun><host><status state="up"/></host></nmaprun>`, "host 1: no IP address"},
		{`<nmaprun><host><address addr="1.2.3" addrtype="ipv4"/></host></nmaprun>`, `bad address "1.2.3"`},
		{`<nmaprun><host><address addr="::1" addrtype="ipv6"/><ports><port portid="65536"/></ports></host></nmaprun>`, `bad port "65536"`},
		{`<nmaprun><host><address addr="::1" addrtype="ipv6"/><ports><port portid="+1"/></ports></host></nmaprun>`, `bad port "+1"`},
		{`<nmaprun><host><address addr="::1" addrtype="ipv6"/><ports><extraports><extrareasons ports="9-1"/></extraports></ports></host></nmaprun>`,
			`bad extraports list "9-1"`},
		{`<nmaprun><host><address addr="::1" addrtype="ipv6"/><ports><extraports>` +
			strings.Repeat(`<extrareasons proto="tcp" ports="0-65535"/>`, 17) + `</extraports></ports></host></nmaprun>`,
			"more than 1048576 ports"},
	}
	for _, tt := range tests {
		_, err := ParseXML([]byte(tt.give))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseXML(%.60q) = %v; want an error saying %q", tt.give, err, tt.want)
		}
	}
}

func TestParseXMLMAC(t *testing.T) {
	doc := `<nmaprun><host><status state="up" reason="arp-response"/>` +
		`<address addr="192.168.1.7" addrtype="ipv4"/><address addr="02:42:AC:11:00:02" addrtype="mac" vendor="x"/>` +
		`<hostnames><hostname name="printer.lan" type="PTR"/></hostnames></host></nmaprun>`
	hosts, err := ParseXML([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := Host{Addr: netip.MustParseAddr("192.168.1.7"), MAC: "02:42:AC:11:00:02",
		Hostnames: []string{"printer.lan"}, State: "up", Reason: "arp-response"}
	if !reflect.DeepEqual(hosts, []Host{want}) {
		t.Fatalf("got %+v", hosts)
	}
}

func FuzzParseNmapXML(f *testing.F) {
	for _, name := range []string{"portscan.xml", "portscan_extraports.xml", "pingsweep.xml"} {
		f.Add(readSample(f, name))
	}
	f.Add([]byte(`<nmaprun><host><address addr="::1" addrtype="ipv6"/><ports><port protocol="udp" portid="53"/>` +
		`<extraports state="closed"><extrareasons proto="tcp" ports="1-3,53"/></extraports></ports></host></nmaprun>`))
	f.Add([]byte(`<nmaprun><runstats><finished exit="error" errormsg="x"/></runstats></nmaprun>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		hosts, err := ParseXML(data)
		if err != nil {
			return
		}
		total := 0
		for _, h := range hosts {
			if !h.Addr.IsValid() {
				t.Fatalf("host without an address: %+v", h)
			}
			for i, p := range h.Ports {
				if p.Number < 0 || p.Number > 65535 {
					t.Fatalf("port %d out of range", p.Number)
				}
				if i > 0 {
					q := h.Ports[i-1]
					if q.Number > p.Number || q.Number == p.Number && q.Protocol >= p.Protocol {
						t.Fatalf("ports out of order or repeated: %+v then %+v", q, p)
					}
				}
			}
			total += len(h.Ports)
		}
		if total > maxPorts {
			t.Fatalf("%d ports, above the bound", total)
		}
	})
}
